"""The add-on's operators: log in and out, refresh the server's lists, Submit, watch the job,
open it in the desktop app."""

import atexit
import os
import posixpath
import shutil
import subprocess
import sys
import tempfile

import bpy
import bpy.utils.previews

from . import background, deps, files, sending
from .client import MISSING_CODE, DroverError
from .props import client, keep_tokens, prefs, require_login, state

# Seconds between looks at the watched job.
WATCH_SECS = 3.0
FINISHED = ("completed", "failed", "canceled")
FORMATS = ("PNG", "JPEG", "OPEN_EXR")


def notify(kind, message):
    """A Blender report from anywhere on the main thread (a timer has no operator of its own)."""
    if kind == "ERROR":
        state.error = message
    print(f"Drover: {message}")
    try:
        bpy.ops.drover.report(kind=kind, message=message)
    except RuntimeError:
        pass


def _fail(error):
    """The words for an error raised by work on a thread."""
    if isinstance(error, DroverError):
        return str(error)
    return f"Something went wrong: {error.__class__.__name__}: {error}"


class DROVER_OT_report(bpy.types.Operator):
    """Shows a message of the add-on as a Blender report"""
    bl_idname = "drover.report"
    bl_label = "Drover message"
    bl_options = {"INTERNAL"}

    kind: bpy.props.EnumProperty(items=[(k, k, "") for k in ("INFO", "WARNING", "ERROR")])
    message: bpy.props.StringProperty()

    def execute(self, context):
        self.report({self.kind}, self.message)
        return {"FINISHED"}


# -- login ------------------------------------------------------------------------------------

class DROVER_OT_login(bpy.types.Operator):
    """Log in to the Drover server; only the session's tokens are kept, never the password"""
    bl_idname = "drover.login"
    bl_label = "Log in"

    # For scripts; the preferences use the fields on the window manager.
    email: bpy.props.StringProperty(options={"SKIP_SAVE", "HIDDEN"})
    password: bpy.props.StringProperty(subtype="PASSWORD", options={"SKIP_SAVE", "HIDDEN"})
    code: bpy.props.StringProperty(options={"SKIP_SAVE", "HIDDEN"})

    def execute(self, context):
        p = prefs(context)
        wm = context.window_manager
        email = self.email or p.email
        password = self.password or wm.drover_password
        code = self.code or wm.drover_code
        if self.email:
            p.email = self.email
        # The password is held only by this login: cleared from the field at once.
        wm.drover_password = ""
        wm.drover_code = ""
        if not email or not password:
            self.report({"ERROR"}, "Type your email and password")
            return {"CANCELLED"}
        try:
            c = client(context)
        except DroverError as e:
            self.report({"ERROR"}, str(e))
            return {"CANCELLED"}
        state.error = ""
        state.status = "Logging in…"

        def work(say):
            return c.login(email, password, code)

        def done(user, error):
            wm = bpy.context.window_manager
            state.status = ""
            if error is not None:
                if getattr(error, "code", "") == MISSING_CODE:
                    wm.drover_needs_code = True
                notify("ERROR", _fail(error))
                return
            wm.drover_needs_code = False
            p = prefs()
            p.access_token = c.access_token
            p.refresh_token = c.refresh_token
            p.logged_in_as = user.get("email", email)
            notify("INFO", f"Logged in to Drover as {p.logged_in_as}")
            refresh()

        background.start("login", work, done)
        return {"FINISHED"}


class DROVER_OT_logout(bpy.types.Operator):
    """Log out of Drover: the tokens are forgotten here and end on the server"""
    bl_idname = "drover.logout"
    bl_label = "Log out"

    def execute(self, context):
        try:
            c = client(context)
        except DroverError:
            c = None
        p = prefs(context)
        p.access_token = ""
        p.refresh_token = ""
        p.logged_in_as = ""
        state.projects = []
        state.tasks = []
        if c is not None and c.access_token:
            # Best effort: the tokens are already gone here.
            background.start("logout", lambda say: c.logout(), lambda result, error: None)
        self.report({"INFO"}, "Logged out of Drover")
        return {"FINISHED"}


def refresh():
    """Asks the server for the projects and the person's open tasks."""
    try:
        require_login()
        c = client()
    except DroverError as e:
        notify("ERROR", str(e))
        return

    def work(say):
        return c.projects(), c.open_tasks()

    def done(result, error):
        keep_tokens(c)
        if error is not None:
            notify("ERROR", _fail(error))
            return
        projects, tasks = result
        state.projects = projects
        state.tasks = tasks or []

    background.start("refresh", work, done)


class DROVER_OT_refresh(bpy.types.Operator):
    """Load the projects and your open tasks from the server"""
    bl_idname = "drover.refresh"
    bl_label = "Refresh"

    def execute(self, context):
        refresh()
        return {"FINISHED"}


# -- submit -----------------------------------------------------------------------------------

def _job_settings(context):
    """The job as the panel sets it, checked here (the server checks again): a SubmitJob
    without its paths, the output template, and the project. Raises DroverError."""
    scene = context.scene
    s = scene.drover
    if not bpy.data.filepath:
        raise DroverError("Save the .blend file first: the farm renders a saved file")
    name = s.job_name.strip() or bpy.path.display_name_from_filepath(bpy.data.filepath)
    frames = s.frames.strip() or (
        str(scene.frame_start) if scene.frame_start == scene.frame_end
        else f"{scene.frame_start}-{scene.frame_end}")
    wrong = files.check_frames(frames)
    if wrong:
        raise DroverError(wrong)
    project = next((p for p in state.projects if str(p["id"]) == s.project), None)
    if project is None:
        raise DroverError("Choose a project (press Refresh if the list is empty)")
    job = {
        "name": name,
        "project_id": int(project["id"]),
        "job_type": "blender-render",
        "priority": int(s.priority),
    }
    if s.production_task not in ("", "NONE"):
        task = next((t for t in state.tasks if str(t["id"]) == s.production_task), None)
        if task is None:
            raise DroverError("The chosen task is no longer open: press Refresh and choose again")
        if task.get("project_name") and task["project_name"] != project["name"]:
            raise DroverError(f"This task is in the project “{task['project_name']}”: choose it as the project")
        job["production_task_id"] = str(task["id"])
    fmt = s.file_format
    if fmt == "SCENE":
        fmt = scene.render.image_settings.file_format
        fmt = fmt if fmt in FORMATS else "PNG"
    settings = {
        "frames": frames.replace(" ", ""),
        "chunk_size": int(s.chunk_size),
        "format": fmt,
        "scene": scene.name,
    }
    if s.video:
        settings["video"] = True
        settings["fps"] = max(1, round(scene.render.fps / (scene.render.fps_base or 1)))
    job["settings"] = settings
    return job, output_template(context)


def output_template(context):
    """The output path with `#` where the frame number goes."""
    s = context.scene.drover
    out = s.output.strip() or context.scene.render.filepath or "//render/"
    if "#" not in os.path.basename(out):
        out += "frame_####" if out.endswith(("/", "\\")) else "_####"
    return out


def upload_output(template, blend_job_path):
    """The output relative to the job folder: a `//` path follows the .blend there; anything
    else lands in `render/`."""
    if template.startswith("//"):
        folder = posixpath.dirname(blend_job_path)
        out = posixpath.normpath(posixpath.join(folder, template[2:].replace("\\", "/")))
        if not out.startswith("../") and out not in ("", ".", ".."):
            return out
    name = template.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return "render/" + (name or "frame_####")


def server_path(local, project):
    """A local path as job settings write it: under the project's folder for this computer's
    system, rewritten to the project's server path (as workers map it back)."""
    mine = {"win32": "path_win", "darwin": "path_osx"}.get(sys.platform, "path_linux")
    for key, server_key in ((mine.replace("path_", "render_path_"), "render_path_server"),
                            (mine, "path_server")):
        prefix, server = project.get(key) or "", project.get(server_key) or ""
        if prefix and server and local.startswith(prefix):
            rest = local[len(prefix):]
            return server + (rest.replace("\\", "/") if sys.platform == "win32" else rest)
    return local


# The last relative copy of a .blend sent: (its key, the copy, its temporary folder). A
# submission of the same unchanged file sends the same bytes, so nothing is uploaded again.
_copy = {"key": None, "path": None, "folder": None}


def _copy_key(blend, root):
    """What the copy of `blend` depends on: the file as saved, and the job folder's root."""
    stat = os.stat(blend)
    return (os.path.abspath(blend), stat.st_mtime_ns, stat.st_size, root)


def _last_copy(blend, root):
    """The kept copy of `blend`, if the file has not changed since it was made."""
    if _copy["key"] == _copy_key(blend, root) and os.path.isfile(_copy["path"] or ""):
        return _copy["path"]
    return None


def _keep_copy(blend, root, path, folder):
    """Keeps a new copy (only the last one: the previous one's folder is deleted)."""
    _drop_copy()
    _copy.update(key=_copy_key(blend, root), path=path, folder=folder)


def _drop_copy():
    if _copy["folder"]:
        shutil.rmtree(_copy["folder"], ignore_errors=True)
    _copy.update(key=None, path=None, folder=None)


class DROVER_OT_submit(bpy.types.Operator):
    """Save the file, send it and what it uses to the Drover farm, and submit the render"""
    bl_idname = "drover.submit"
    bl_label = "Submit to Drover"

    @classmethod
    def poll(cls, context):
        return not state.busy

    def execute(self, context):
        try:
            require_login(context)
            job, template = _job_settings(context)
            painted = deps.dirty_images()
            if painted:
                raise DroverError(f"Save the painted images first (Image > Save): {', '.join(painted)}")
            c = client(context)
        except DroverError as e:
            state.error = str(e)
            self.report({"ERROR"}, str(e))
            return {"CANCELLED"}
        # Saved only when changed: a save rewrites the file even when nothing changed (4.x
        # writes other memory addresses each time), and an unchanged file is sent as before.
        if bpy.data.is_dirty:
            bpy.ops.wm.save_mainfile()
        blend = bpy.data.filepath
        state.busy = True
        state.error = ""
        state.status = "Asking the server how the project stores its files…"

        def got_storage(answer, error):
            keep_tokens(c)
            if error is not None:
                return finish(None, error)
            storage, project = answer
            try:
                file_set = []
                if storage.get("mode") == "upload":
                    found = deps.collect(blend)
                    for warning in found.warnings:
                        notify("WARNING", warning)
                    if found.missing:
                        notify("WARNING", f"{len(found.missing)} file(s) the scene names are missing and "
                               f"will not render: {', '.join(found.missing[:5])}")
                    root = files.job_root([blend, *found.paths])
                    copy = _last_copy(blend, root)
                    if copy is None:
                        copy, made = deps.relative_copy(blend, found, root)
                        # Making the copy set paths and put them back: the data is as saved,
                        # but Blender counts it changed. Saved again, the file is clean, and
                        # the next Submit of it, unchanged, reuses the copy.
                        if bpy.data.is_dirty:
                            bpy.ops.wm.save_mainfile()
                        _keep_copy(blend, root, copy, made)
                    blend_job_path = files.job_path(blend, root)
                    file_set = [(blend_job_path, copy)]
                    file_set += [(files.job_path(p, root), p) for p in found.paths]
                    job["settings"]["blend_file"] = blend_job_path
                    job["settings"]["output"] = upload_output(template, blend_job_path)
                else:
                    job["settings"]["blend_file"] = server_path(blend, project)
                    job["settings"]["output"] = server_path(bpy.path.abspath(template), project)
            except Exception as e:  # reported, the submission stops
                return finish(None, e)
            state.status = "Sending…"

            def sent(result, error):
                finish(result, error)

            background.start("send", lambda say: sending.send(c, job, file_set, say), sent, progress)

        def progress(text):
            state.status = text

        def finish(result, error):
            keep_tokens(c)
            state.busy = False
            state.status = ""
            if error is not None:
                notify("ERROR", _fail(error))
                return
            window_manager = bpy.context.window_manager
            window_manager.drover_job_id = int(result.job["id"])
            window_manager.drover_uploaded_bytes = str(result.uploaded_bytes)
            if result.file_count:
                notify("INFO", f"Job #{result.job['id']} submitted: {result.file_count} files, "
                       f"{result.missing_count} uploaded ({files.human_bytes(result.uploaded_bytes)})")
            else:
                notify("INFO", f"Job #{result.job['id']} submitted")
            watch(int(result.job["id"]))

        def ask(say):
            return c.storage(job["project_id"]), c.project(job["project_id"])

        background.start("storage", ask, got_storage)
        return {"FINISHED"}


# -- the job, live ----------------------------------------------------------------------------

def watch(job_id):
    """Shows the job's progress and last-rendered frame in the panel until it ends."""
    state.job = {"id": job_id}
    if bpy.app.background:
        return
    if not state.watching:
        state.watching = True
        bpy.app.timers.register(_look, first_interval=0.1)


_looking = {"busy": False, "updated": None}


def _look():
    job = state.job
    if job is None or not state.watching:
        state.watching = False
        return None
    if job.get("status") in FINISHED and _looking["updated"] == job.get("updated"):
        state.watching = False
        return None
    if _looking["busy"]:
        return WATCH_SECS
    try:
        c = client()
    except DroverError:
        state.watching = False
        return None
    job_id = job["id"]
    known = _looking["updated"]

    def work(say):
        answer = c.job(job_id)
        picture = None
        if answer.get("updated") != known:
            picture = c.last_rendered(job_id)
        return answer, picture

    def done(result, error):
        _looking["busy"] = False
        keep_tokens(c)
        if error is not None:
            state.status = _fail(error)
            return
        answer, picture = result
        if state.job is None or state.job.get("id") != job_id:
            return
        state.job = answer
        if picture:
            _show_picture(job_id, picture)
        _looking["updated"] = answer.get("updated")

    _looking["busy"] = True
    background.start("watch", work, done)
    return WATCH_SECS


def _show_picture(job_id, jpeg):
    """Shows the last-rendered frame in the panel, through a preview collection: loading it as
    an image of the .blend would mark the file changed."""
    folder = os.path.join(tempfile.gettempdir(), "drover-previews")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"job-{job_id}-{len(jpeg)}-{os.getpid()}.jpg")
    with open(path, "wb") as f:
        f.write(jpeg)
    if state.previews is None:
        state.previews = bpy.utils.previews.new()
    else:
        state.previews.clear()
    state.preview_icon = state.previews.load(path, path, "IMAGE").icon_id
    _forget_file(state.preview_path, keep=path)
    state.preview_path = path


def _forget_file(path, keep=""):
    if path and path != keep:
        try:
            os.remove(path)
        except OSError:
            pass


def _drop_previews():
    if state.previews is not None:
        bpy.utils.previews.remove(state.previews)
    state.previews = None
    state.preview_icon = 0
    _forget_file(state.preview_path)
    state.preview_path = ""


class DROVER_OT_watch(bpy.types.Operator):
    """Follow the last submitted job's progress again"""
    bl_idname = "drover.watch"
    bl_label = "Refresh job"

    @classmethod
    def poll(cls, context):
        return context.window_manager.drover_job_id > 0

    def execute(self, context):
        _looking["updated"] = None
        state.watching = False
        watch(context.window_manager.drover_job_id)
        return {"FINISHED"}


class DROVER_OT_open_app(bpy.types.Operator):
    """Open the submitted job in the Drover desktop app, connected to this server"""
    bl_idname = "drover.open_app"
    bl_label = "Open in Drover"

    @classmethod
    def poll(cls, context):
        return shutil.which("drover") is not None

    def execute(self, context):
        self.report(*open_app(shutil.which("drover"), prefs(context).server,
                              context.window_manager.drover_job_id))
        return {"FINISHED"}


def open_app(program, server, job_id):
    """Starts the desktop app on `server`, opening job `job_id` once connected (the app asks
    for the login it has not remembered). Returns the report to show."""
    argv = [program, "--server", server]
    if job_id > 0:
        argv += ["--job", str(job_id)]
    try:
        subprocess.Popen(argv, start_new_session=True)
    except OSError as e:
        return {"ERROR"}, f"Could not start the Drover app: {e}"
    if job_id > 0:
        return {"INFO"}, f"Drover is opening job #{job_id}"
    return {"INFO"}, "Drover is opening"


CLASSES = (DROVER_OT_report, DROVER_OT_login, DROVER_OT_logout, DROVER_OT_refresh,
           DROVER_OT_submit, DROVER_OT_watch, DROVER_OT_open_app)


def register():
    for cls in CLASSES:
        bpy.utils.register_class(cls)
    # Blender quits without unregistering add-ons: the kept copy goes with the process.
    atexit.register(_drop_copy)


def unregister():
    _drop_copy()
    _drop_previews()
    atexit.unregister(_drop_copy)
    state.watching = False
    if bpy.app.timers.is_registered(_look):
        bpy.app.timers.unregister(_look)
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
