"""Logs in and submits through the add-on's operators, twice, in background Blender; writes
what happened as JSON for the e2e test (`tests/tests/e2e/blender_addon.rs`):

    blender -b --factory-startup --python-exit-code 1 --python tests/blender/submit_job.py -- \
        --addon blender/drover --dir TMP --server URL --email E --password P --project ID --small-project ID2 \
        --result TMP/result.json [--video 1] [--task KITSU_TASK_UUID] [--frames N] [--reference PATH (PATH.png is written)]
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bpy  # noqa: E402
import scene  # noqa: E402

args = scene.arguments()
scene.enable_addon(args["addon"])
from drover.props import prefs, state  # noqa: E402

prefs().server = args["server"]
blend, texture, library = scene.make_scene(os.path.join(os.path.realpath(args["dir"]), "artist"),
                                           frames=int(args.get("frames", "2")))
result = {"blend": blend, "texture": texture, "library": library, "submits": []}

assert bpy.ops.drover.login(email=args["email"], password="wrong password") == {"FINISHED"}
result["wrong_password"] = state.error
assert not prefs().access_token
assert bpy.ops.drover.login(email=args["email"], password=args["password"]) == {"FINISHED"}
assert prefs().access_token and prefs().refresh_token, state.error
assert state.projects, "the projects were loaded after login"
settings = bpy.context.scene.drover
settings.project = args["project"]


def submit():
    """Presses Submit; an error report raises in a script, the add-on keeps its words."""
    try:
        return sorted(bpy.ops.drover.submit())
    except RuntimeError:
        return ["ERROR"]


# Refused by the server's quota, nothing uploaded (a project with a tiny quota).
settings.project = args["small_project"]
state.error = ""
submit()  # the refusal comes after the server's answer: reported, not raised
result["over_quota"] = state.error
result["over_quota_uploaded"] = bpy.context.window_manager.drover_uploaded_bytes
settings.project = args["project"]

# A dropped upload of the texture: half its bytes arrive, then the connection ends. Submit
# resumes from what the server has.
import http.client  # noqa: E402

from drover import files  # noqa: E402
from drover.client import Client  # noqa: E402

sha256, size = files.sha256_of(texture)
c = Client(args["server"], prefs().access_token)
half = size // 2
connection = c._connection()
connection.putrequest("PUT", f"/api/projects/{int(args['project'])}/files/{sha256}?size={size}&offset=0")
connection.putheader("Authorization", f"Bearer {c.access_token}")
connection.putheader("Content-Length", str(size))
connection.endheaders()
with open(texture, "rb") as f:
    connection.send(f.read(half))
connection.sock.shutdown(2)
connection.close()
for _ in range(50):
    partial = c.upload_state(int(args["project"]), sha256, size)
    if partial["received"] == half:
        break
    time.sleep(0.1)
result["partial_received"] = partial["received"]

# Refused before anything is sent: bad frames.
settings.frames = "10-1"
assert submit() == ["ERROR"]
result["bad_frames"] = state.error
settings.frames = ""
settings.video = args.get("video") == "1"
if args.get("task"):
    # The person's own open Kitsu task, loaded at login, as the panel's list offers it.
    assert any(str(t["id"]) == args["task"] for t in state.tasks), state.tasks
    settings.production_task = args["task"]

for _ in range(2):
    state.error = ""
    outcome = submit()
    result["submits"].append({
        "outcome": outcome,
        "job_id": bpy.context.window_manager.drover_job_id,
        "uploaded_bytes": int(bpy.context.window_manager.drover_uploaded_bytes or "-1"),
        "error": state.error,
    })

if args.get("reference"):
    # Frame 1 as the artist's own Blender renders it, to compare with the farm's.
    bpy.context.scene.render.filepath = args["reference"]
    bpy.context.scene.frame_set(1)
    bpy.ops.render.render(write_still=True)

# "Open in Drover" starts the desktop app on the job: a stand-in program records its argv.
from drover import ops  # noqa: E402

fake = os.path.join(os.path.realpath(args["dir"]), "drover-app")
argv_file = fake + ".argv"
with open(fake, "w") as f:
    f.write(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {argv_file}.part && mv {argv_file}.part {argv_file}\n")
os.chmod(fake, 0o755)
result["open_report"] = ops.open_app(fake, prefs().server, bpy.context.window_manager.drover_job_id)[1]
for _ in range(100):
    if os.path.exists(argv_file):
        break
    time.sleep(0.05)
with open(argv_file) as f:
    result["open_argv"] = f.read().split()

with open(args["result"], "w") as f:
    json.dump(result, f)
print("DROVER-SUBMIT-TEST DONE")
