"""What a .blend needs on a render node that shares no folder with this computer: its
dependencies found with Blender's own API, and a temporary copy of the .blend whose paths are
relative, so the job folder (see `files`) resolves them unchanged."""

import glob
import os
import re
import tempfile

import bpy

from . import files

# The data-block collections whose members name a file on disk.
FILE_COLLECTIONS = ("libraries", "images", "sounds", "movieclips", "cache_files", "volumes", "fonts")


class Dependencies:
    """The .blend's files: `paths` (absolute, existing, without the .blend itself), `missing`
    (named but absent) and `warnings` (things the render node will not see as here)."""

    def __init__(self):
        self.paths = []
        self.missing = []
        self.warnings = []


def _owners():
    """Every data-block that names a file, with the collection it is in."""
    for name in FILE_COLLECTIONS:
        for block in getattr(bpy.data, name, ()):
            yield name, block


def _blender_folders():
    """Blender's own installation folders: what lies there (the essentials asset libraries
    4.x links brushes from) comes with every render node's Blender, not with the job."""
    folders = []
    for kind in ("LOCAL", "SYSTEM"):
        try:
            folder = bpy.utils.resource_path(kind)
        except (TypeError, ValueError):
            continue
        if folder:
            folders.append(os.path.normpath(os.path.abspath(folder)) + os.sep)
    return folders


def bundled(path):
    """Whether `path` is a file of Blender's own installation."""
    path = os.path.normpath(os.path.abspath(path))
    return any(path.startswith(folder) for folder in _blender_folders())


def _names_a_file(kind, block):
    if getattr(block, "packed_file", None) is not None:
        return False
    if block.filepath and bundled(bpy.path.abspath(block.filepath, library=block.library)):
        return False
    if kind == "fonts" and block.filepath in ("<builtin>", ""):
        return False
    if kind == "images" and block.source not in ("FILE", "SEQUENCE", "MOVIE", "TILED"):
        return False
    return bool(block.filepath)


def _expand(kind, block, path):
    """The files behind one path: every frame of an image sequence, every UDIM tile."""
    if kind == "images" and block.source == "TILED":
        found = []
        for tile in block.tiles:
            name = path.replace("<UDIM>", str(tile.number))
            name = re.sub(r"1\d\d\d(?=\.[^.]+$)", str(tile.number), name) if name == path else name
            found.append(name)
        return found
    if kind == "images" and block.source == "SEQUENCE":
        folder, name = os.path.split(path)
        match = re.match(r"^(.*?)(\d+)(\.[^.]+)$", name)
        if match:
            prefix, digits, ext = match.groups()
            pattern = os.path.join(glob.escape(folder), glob.escape(prefix) + "[0-9]" * len(digits) + glob.escape(ext))
            return sorted(glob.glob(pattern)) or [path]
    return [path]


def collect(blend_path):
    """The dependencies of the open file, saved at `blend_path`."""
    deps = Dependencies()
    blend = os.path.normpath(os.path.abspath(blend_path))
    named = set()
    # Blender's own list covers everything with a path (modifiers' caches, sequencer strips…).
    for path in bpy.utils.blend_paths(absolute=True, packed=False, local=False):
        named.add(os.path.normpath(bpy.path.abspath(path)))
    for kind, block in _owners():
        if not _names_a_file(kind, block):
            continue
        path = os.path.normpath(bpy.path.abspath(block.filepath, library=block.library))
        for one in _expand(kind, block, path):
            named.add(os.path.normpath(one))
        if block.library is not None and not block.filepath.startswith("//"):
            deps.warnings.append(
                f"{block.name} in the library {block.library.name} uses an absolute path: make "
                "the library's paths relative (File > External Data) or the farm will not find it")
    named.discard(blend)
    for path in sorted(named):
        if bundled(path):
            continue
        if os.path.isfile(path):
            deps.paths.append(path)
        elif not os.path.isdir(path):
            deps.missing.append(path)
    return deps


def dirty_images():
    """Images painted in this session and not saved: the farm would render the old pixels."""
    return [i.name for i in bpy.data.images if i.is_dirty and i.packed_file is None and i.source == "FILE"]


def relative_copy(blend_path, deps, root):
    """Writes a copy of the open file with the paths of its own data-blocks relative (`//…`)
    to a temporary folder, and restores the session's paths. Returns (the copy's path, its
    folder: delete it when done)."""
    blend = os.path.abspath(blend_path)
    before = {}
    # Paths into Blender's installation stay as they are (each node's Blender has its own).
    own = {}
    for kind, block in _owners():
        if block.library is None and _names_a_file(kind, block) and not block.filepath.startswith("//"):
            before[(kind, block.name)] = block.filepath
        elif block.library is None and block.filepath and bundled(bpy.path.abspath(block.filepath)):
            own[(kind, block.name)] = block.filepath
    folder = tempfile.mkdtemp(prefix="drover-")
    copy = os.path.join(folder, os.path.basename(blend))
    try:
        # Every path Blender knows, made relative as strings (nothing reloads).
        bpy.ops.file.make_paths_relative()
        # Across Windows drives Blender keeps a path absolute; in the job folder it is relative.
        for kind, block in _owners():
            if block.library is None and _names_a_file(kind, block) and not block.filepath.startswith("//"):
                path = bpy.path.abspath(block.filepath)
                _set_path(kind, block, files.relative_to_blend(path, blend, root))
            elif (kind, block.name) in own:
                _set_path(kind, block, own[(kind, block.name)])
        # `relative_remap` off: the `//` paths stay relative to the original's folder, which is
        # where the copy sits in the job folder.
        bpy.ops.wm.save_as_mainfile(filepath=copy, copy=True, relative_remap=False, check_existing=False)
    finally:
        for kind, block in _owners():
            old = before.get((kind, block.name)) or own.get((kind, block.name))
            if old is not None and block.library is None and block.filepath != old:
                _set_path(kind, block, old)
    return copy, folder


def _set_path(kind, block, path):
    # An image's `filepath` reloads its pixels; `filepath_raw` only changes the string.
    if kind == "images":
        block.filepath_raw = path
    else:
        block.filepath = path
