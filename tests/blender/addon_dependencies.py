"""The add-on's dependency listing, job root and relative rewrite, in background Blender:

    blender -b --factory-startup --python-exit-code 1 \
        --python tests/blender/addon_dependencies.py -- --addon blender/drover --dir /tmp/x

`--addon` is the add-on's folder or its zip; `--dir` an empty temp folder.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# bpy first: as a Python module (Blender 4.x's `bpy` on PyPI) it puts addon_utils on the path.
import bpy  # noqa: E402
import addon_utils  # noqa: E402
import scene  # noqa: E402

args = scene.arguments()
root = os.path.realpath(args["dir"])
drover = scene.enable_addon(args["addon"])
# Unregisters and registers again cleanly.
addon_utils.disable("drover", default_set=True)
drover = scene.enable_addon(args["addon"])
assert hasattr(bpy.context.scene, "drover"), "the scene's Drover settings are registered"
from drover import deps, files  # noqa: E402

artist = os.path.join(root, "artist")
blend, texture, library = scene.make_scene(artist)
assert bpy.data.images["wood.png"].filepath == texture
assert bpy.data.libraries[0].filepath == library

found = deps.collect(blend)
assert sorted(found.paths) == sorted([texture, library]), found.paths
assert found.missing == [], found.missing

job_root = files.job_root([blend, *found.paths])
assert job_root == files.parts_of(artist), (job_root, artist)
assert files.job_path(blend, job_root) == "proj/scene.blend"
assert files.job_path(texture, job_root) == "textures/wood.png"
assert files.job_path(library, job_root) == "libs/lib.blend"

copy, folder = deps.relative_copy(blend, found, job_root)
# The session keeps its own paths; the copy has relative ones.
assert bpy.data.images["wood.png"].filepath == texture
assert bpy.data.libraries[0].filepath == library
assert os.path.isfile(copy) and os.path.dirname(copy) == folder

# Open the copy as the render node would, from its place in a job folder.
job = os.path.join(root, "job")
os.makedirs(os.path.join(job, "proj"))
os.makedirs(os.path.join(job, "textures"))
os.makedirs(os.path.join(job, "libs"))
os.replace(copy, os.path.join(job, "proj", "scene.blend"))
with open(texture, "rb") as a, open(os.path.join(job, "textures", "wood.png"), "wb") as b:
    b.write(a.read())
with open(library, "rb") as a, open(os.path.join(job, "libs", "lib.blend"), "wb") as b:
    b.write(a.read())
bpy.ops.wm.open_mainfile(filepath=os.path.join(job, "proj", "scene.blend"))
assert bpy.data.images["wood.png"].filepath == "//../textures/wood.png", bpy.data.images["wood.png"].filepath
assert bpy.data.libraries[0].filepath == "//../libs/lib.blend", bpy.data.libraries[0].filepath
assert bpy.path.abspath(bpy.data.libraries[0].filepath).startswith(job)
assert bpy.data.objects["LibCube"].library is not None, "the linked cube resolves in the job folder"
assert bpy.data.images["wood.png"].has_data or bpy.data.images["wood.png"].size[0] == 16

# Sums and frames.
sha, size = files.sha256_of(texture)
assert len(sha) == 64 and size == os.path.getsize(texture)
assert files.check_frames("1-10,20,30-40") is None
assert files.check_frames("10-1") and files.check_frames("a-b")

addon_utils.disable("drover", default_set=True)
print("DROVER-ADDON-TEST OK")
