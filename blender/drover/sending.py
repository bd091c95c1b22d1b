"""Sends a job's files and then the job: the part of Submit that runs on a thread (no bpy).

Nothing half-sent: the job is submitted only once every file is on the server.
"""

from . import files
from .client import DroverError


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
    uploaded = 0
    done_bytes = 0

    def sent(count):
        nonlocal done_bytes
        done_bytes += count

    for n, f in enumerate(missing, 1):
        say(f"Uploading file {n} of {len(missing)} ({files.human_bytes(done_bytes)} of "
            f"{files.human_bytes(missing_bytes)}): {f['path']}")
        uploaded += client.upload(job["project_id"], f["sha256"], f["size"], f["local"], sent)
    job = dict(job)
    job["files"] = [{"path": f["path"], "sha256": f["sha256"], "size": f["size"]} for f in hashed]
    say("Submitting…")
    return Sent(client.submit_job(job), uploaded, len(hashed), len(missing))
