"""Drover: submit the open .blend to a Drover render farm, with or without shared storage,
and watch it render.

The add-on lists the file's dependencies, uploads only the files the farm lacks (by SHA-256)
and submits the job; its progress and last-rendered frame show in Render Properties.
"""

bl_info = {
    "name": "Drover",
    "author": "Drover",
    "version": (0, 1, 0),
    "blender": (3, 4, 0),
    "location": "Properties > Render > Drover",
    "description": "Submit renders to a Drover render farm and watch them",
    "category": "Render",
}

if "bpy" in locals():
    import importlib

    for _module in (client, files, background, sending, props, deps, ops, panel):  # noqa: F821
        importlib.reload(_module)
else:
    from . import background, client, deps, files, ops, panel, props, sending

import bpy  # noqa: E402,F401  (marks the package as loaded, for the reload above)

MODULES = (props, ops, panel)


def register():
    for module in MODULES:
        module.register()


def unregister():
    for module in reversed(MODULES):
        module.unregister()
