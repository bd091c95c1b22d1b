"""A job's file set without bpy: where each file goes in the job folder, and its SHA-256.

The job folder mirrors the artist's disk under one root, the deepest folder that holds the
.blend and every dependency (a Windows drive `C:` becomes a first part `C`), so paths made
relative to the .blend (`//…`) resolve the same on a render node.
"""

import hashlib
import re
import ntpath
import os
import posixpath

# Bytes read at a time while hashing.
HASH_BLOCK_BYTES = 1 << 20


def parts_of(path):
    """An absolute path as a list of parts, the drive letter (without `:`) first on Windows:
    `C:\\a\\b.png` → ['C', 'a', 'b.png'], `/home/ann/x` → ['home', 'ann', 'x']."""
    path = os.path.normpath(os.path.abspath(path))
    drive, rest = ntpath.splitdrive(path) if os.name == "nt" else ("", path)
    rest = rest.replace("\\", "/")
    parts = [p for p in rest.split("/") if p and p != "."]
    if drive:
        # `C:` stays `C`; a UNC share `\\host\share` becomes `host/share`.
        parts = [p for p in drive.replace("\\", "/").rstrip(":").split("/") if p] + parts
    return parts


def job_root(paths):
    """The deepest folder (as parts) holding every file of `paths` (absolute)."""
    folders = [parts_of(p)[:-1] for p in paths]
    if not folders:
        return []
    root = folders[0]
    for folder in folders[1:]:
        common = 0
        for a, b in zip(root, folder):
            if a != b:
                break
            common += 1
        root = root[:common]
    return root


def job_path(path, root):
    """`path`'s place in the job folder: `/`-separated, relative to `root`."""
    parts = parts_of(path)
    return "/".join(parts[len(root):])


def relative_to_blend(dependency, blend, root):
    """The `//…` path Blender resolves to `dependency` from the .blend at `blend`, both placed
    in the job folder under `root` (so it also works across Windows drives)."""
    target = job_path(dependency, root)
    start = posixpath.dirname(job_path(blend, root)) or "."
    return "//" + posixpath.relpath(target, start)


def sha256_of(path, read=None):
    """The file's SHA-256 (lowercase hex) and size, read in blocks. `read(n)` is called with
    each block's byte count."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while True:
            block = f.read(HASH_BLOCK_BYTES)
            if not block:
                break
            digest.update(block)
            size += len(block)
            if read:
                read(len(block))
    return digest.hexdigest(), size


def human_bytes(count):
    """`1536` → `1.5 KB`."""
    value = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def check_frames(frames):
    """None when `frames` is in Blender's syntax (`1-250`, `1-10,20,30-40`), else why not."""
    text = frames.replace(" ", "")
    if not text or not all(re.fullmatch(r"-?\d+(--?\d+)?", part) for part in text.split(",")):
        return f"Frames “{frames}” should look like 1-250 or 1-10,20,30-40"
    for part in text.split(","):
        bounds = re.fullmatch(r"(-?\d+)(?:-(-?\d+))?", part)
        if bounds and bounds.group(2) is not None and int(bounds.group(2)) < int(bounds.group(1)):
            return f"Frames “{part}” end before they start"
    return None
