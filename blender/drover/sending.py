"""Sends a job's files and then the job: the part of Submit that runs on a thread (no bpy).

Nothing half-sent: the job is submitted only once every file is on the server.
"""

import concurrent.futures
import threading

from . import files
from .client import DroverError

# Files sent at once: a few overlap one file's end (the server checks and syncs it) with the
# next one's bytes; one at a time left a fast link half used.
UPLOADS_AT_ONCE = 4


class Sent:
    """What a submission did: the job as the server answered, and the bytes uploaded."""

    def __init__(self, job, uploaded_bytes, file_count, missing_count):
        self.job = job
        self.uploaded_bytes = uploaded_bytes
        self.file_count = file_count
        self.missing_count = missing_count


def send(client, job, file_set, say):
    """Hashes `file_set` ([(job path, local path)]), uploads what the server lacks, then
    submits `job` (SubmitJob's JSON) with its `files`. Without files (shared storage) only
    submits."""
    if not file_set:
        say("Submitting…")
        return Sent(client.submit_job(job), 0, 0, 0)
    total_bytes = 0
    hashed = []
    for n, (job_path, local) in enumerate(file_set, 1):
        say(f"Hashing file {n} of {len(file_set)}: {job_path}")
        try:
            sha256, size = files.sha256_of(local)
        except OSError as e:
            raise DroverError(f"Could not read {local}: {e.strerror or e}") from e
        hashed.append({"path": job_path, "sha256": sha256, "size": size, "local": local})
        total_bytes += size
    unique = {}
    for f in hashed:
        unique.setdefault(f["sha256"], f)
    say("Asking the server which files it lacks…")
    answer = client.check_files(job["project_id"],
                                [{"sha256": f["sha256"], "size": f["size"]} for f in unique.values()])
    missing = [unique[h] for h in answer["missing"] if h in unique]
    missing_bytes = sum(f["size"] for f in missing)
    quota, used = int(answer["quota_bytes"]), int(answer["used_bytes"])
    if used + missing_bytes > quota:
        raise DroverError(
            f"The project's storage quota is {files.human_bytes(quota)} and it uses "
            f"{files.human_bytes(used)}: this job needs {files.human_bytes(missing_bytes)} more. "
            "Ask a manager to raise the quota or clean up old jobs")
    uploaded = upload_all(client, job["project_id"], missing, missing_bytes, say)
    job = dict(job)
    job["files"] = [{"path": f["path"], "sha256": f["sha256"], "size": f["size"]} for f in hashed]
    say("Submitting…")
    return Sent(client.submit_job(job), uploaded, len(hashed), len(missing))


def upload_all(client, project_id, missing, missing_bytes, say):
    """Uploads `missing` (dicts with sha256, size, local, path), `UPLOADS_AT_ONCE` at a time.
    The first failure stops the rest (those under way finish their file). Returns the bytes
    sent."""
    lock = threading.Lock()
    progress = {"bytes": 0, "files": 0}

    def sent(count):
        with lock:
            progress["bytes"] += count

    def one(f):
        sent_now = client.upload(project_id, f["sha256"], f["size"], f["local"], sent)
        with lock:
            progress["files"] += 1
            say(f"Uploaded {progress['files']} of {len(missing)} files "
                f"({files.human_bytes(progress['bytes'])} of {files.human_bytes(missing_bytes)})")
        return sent_now

    if not missing:
        return 0
    say(f"Uploading {len(missing)} files ({files.human_bytes(missing_bytes)})…")
    with concurrent.futures.ThreadPoolExecutor(max_workers=UPLOADS_AT_ONCE,
                                               thread_name_prefix="drover-upload") as pool:
        futures = [pool.submit(one, f) for f in missing]
        done, _ = concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_EXCEPTION)
        failed = next((f for f in done if f.exception() is not None), None)
        if failed is not None:
            for f in futures:
                f.cancel()
            raise failed.exception()
        return sum(f.result() for f in futures)
