"""Serialises `ast.parse` across threads, for CI's schemathesis venv only.

CPython 3.11 keeps the AST constructor's recursion counter in per-interpreter state.
When two threads build ASTs at once (a garbage collection inside one can hand the GIL
to the other), the counter of one is moved by the other and the parse fails with
"SystemError: AST constructor recursion depth mismatch". schemathesis runs with two
workers, and Hypothesis parses source files to describe its lambdas, so the fuzzing
pass failed at random with a Runtime Error that was no finding about the server.
Python 3.12 keeps the counter per call; on it this lock only costs an uncontended
acquire. Loaded by `drover_ast_lock.pth`, which `.ci/run` puts in the venv.
"""

import ast
import threading

_lock = threading.Lock()
_parse = ast.parse


def _locked_parse(*args, **kwargs):
    with _lock:
        return _parse(*args, **kwargs)


ast.parse = _locked_parse
