"""Helpers of the Blender add-on tests (run inside background Blender): enabling the add-on
from its folder or zip, and a generated scene that uses an external texture and a linked
library, all outside any shared folder.

    artist/proj/scene.blend       the scene (absolute paths to the two below)
    artist/textures/wood.png      an image texture on a plane
    artist/libs/lib.blend         a library; its object "LibCube" is linked into the scene
"""

import os
import sys

# bpy first: as a Python module (Blender 4.x's `bpy` on PyPI) it puts addon_utils on the path.
import bpy  # noqa: I001
import addon_utils


def arguments():
    """`--name value` pairs after Blender's `--`."""
    argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    return {argv[i].lstrip("-").replace("-", "_"): argv[i + 1] for i in range(0, len(argv) - 1, 2)}


def enable_addon(source):
    """Installs the add-on from a zip (into BLENDER_USER_SCRIPTS) or puts its folder on the
    path, then enables it."""
    if source.endswith(".zip"):
        bpy.ops.preferences.addon_install(filepath=source, overwrite=True)
    else:
        parent = os.path.dirname(os.path.abspath(source.rstrip("/")))
        if parent not in sys.path:
            sys.path.insert(0, parent)
    module = addon_utils.enable("drover", default_set=True, handle_error=None)
    assert module is not None, f"the add-on did not enable from {source}"
    return module


def make_scene(root, frames=2):
    """Writes the library, the texture and the scene under `root`; leaves the scene open and
    saved. Returns the paths (scene, texture, library)."""
    proj = os.path.join(root, "proj")
    textures = os.path.join(root, "textures")
    libs = os.path.join(root, "libs")
    for folder in (proj, textures, libs):
        os.makedirs(folder, exist_ok=True)
    texture = os.path.join(textures, "wood.png")
    library = os.path.join(libs, "lib.blend")
    scene_path = os.path.join(proj, "scene.blend")

    # The texture: a small generated picture saved as PNG, then loaded as a file image.
    picture = bpy.data.images.new("wood-gen", 16, 16)
    picture.pixels = [v for i in range(16 * 16) for v in ((i % 16) / 16, 0.4, (i // 16) / 16, 1.0)]
    picture.filepath_raw = texture
    picture.file_format = "PNG"
    picture.save()
    bpy.data.images.remove(picture)

    # The library: one cube with a material, written without touching the open file.
    mesh = bpy.data.meshes.new("LibCubeMesh")
    mesh.from_pydata([(x, y, z) for x in (-0.5, 0.5) for y in (-0.5, 0.5) for z in (-0.5, 0.5)], [],
                     [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)])
    cube = bpy.data.objects.new("LibCube", mesh)
    red = bpy.data.materials.new("LibRed")
    red.diffuse_color = (0.8, 0.1, 0.1, 1.0)
    mesh.materials.append(red)
    bpy.data.libraries.write(library, {cube}, fake_user=True)
    bpy.data.objects.remove(cube)
    bpy.data.meshes.remove(mesh)
    bpy.data.materials.remove(red)

    scene = bpy.context.scene
    for obj in list(scene.collection.all_objects):
        bpy.data.objects.remove(obj)
    with bpy.data.libraries.load(library, link=True, relative=False) as (_, linked):
        linked.objects = ["LibCube"]
    for obj in linked.objects:
        obj_instance = obj
        scene.collection.objects.link(obj_instance)

    # A plane under it with the texture.
    plane_mesh = bpy.data.meshes.new("Floor")
    plane_mesh.from_pydata([(-3, -3, -0.5), (3, -3, -0.5), (3, 3, -0.5), (-3, 3, -0.5)], [], [(0, 1, 2, 3)])
    plane_mesh.uv_layers.new()
    floor = bpy.data.objects.new("Floor", plane_mesh)
    scene.collection.objects.link(floor)
    wood = bpy.data.materials.new("Wood")
    wood.use_nodes = True
    node = wood.node_tree.nodes.new("ShaderNodeTexImage")
    node.image = bpy.data.images.load(texture, check_existing=False)
    node.image.filepath = texture  # absolute, as an artist's file often has
    bsdf = wood.node_tree.nodes["Principled BSDF"]
    wood.node_tree.links.new(node.outputs["Color"], bsdf.inputs["Base Color"])
    plane_mesh.materials.append(wood)

    camera = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    camera.location = (6, -6, 4)
    camera.rotation_euler = (1.1, 0, 0.785)
    scene.collection.objects.link(camera)
    scene.camera = camera
    sun = bpy.data.objects.new("Sun", bpy.data.lights.new("Sun", "SUN"))
    sun.rotation_euler = (0.6, 0.2, 0.3)
    scene.collection.objects.link(sun)

    render = scene.render
    render.engine = "CYCLES"
    scene.cycles.samples = 4
    scene.cycles.device = "CPU"
    # Debian's Blender has no OpenImageDenoise: a denoised render fails there.
    scene.cycles.use_denoising = False
    render.resolution_x, render.resolution_y, render.resolution_percentage = 64, 48, 100
    render.image_settings.file_format = "PNG"
    render.filepath = "//render/frame_####"
    scene.frame_start, scene.frame_end = 1, frames

    bpy.ops.wm.save_as_mainfile(filepath=scene_path, relative_remap=False)
    return scene_path, texture, library
