"""The add-on's settings: preferences (server, login tokens), the scene's job settings, and
what the server told us (projects, open tasks, the submission under way, the job watched)."""

import bpy

from .client import Client, DroverError

PACKAGE = __package__


class State:
    """What the add-on knows this session; read by the panel, written on the main thread."""

    def __init__(self):
        # `GET /projects` and `GET /data/user/tasks` as the server answered.
        self.projects = []
        self.tasks = []
        # The line under Submit: what is happening, or what went wrong.
        self.status = ""
        self.error = ""
        self.busy = False
        # The job being watched (`GET /jobs/{id}`), and whether a look is under way.
        self.job = None
        self.watching = False
        # The last-rendered frame on show: its preview collection (outside the .blend's data,
        # so watching a job never marks the file changed), the icon and the file behind it.
        self.previews = None
        self.preview_icon = 0
        self.preview_path = ""


state = State()


def prefs(context=None):
    """This add-on's preferences."""
    context = context or bpy.context
    return context.preferences.addons[PACKAGE].preferences


def client(context=None):
    """A client for the server in the preferences, with the saved tokens."""
    p = prefs(context)
    return Client(p.server, p.access_token, p.refresh_token)


def keep_tokens(c, context=None):
    """Saves tokens a refresh replaced."""
    if c.tokens_changed:
        p = prefs(context)
        p.access_token = c.access_token
        p.refresh_token = c.refresh_token


def require_login(context=None):
    if not prefs(context).access_token:
        raise DroverError("Log in to Drover first (Edit > Preferences > Add-ons > Drover)")


class DroverPreferences(bpy.types.AddonPreferences):
    bl_idname = PACKAGE

    server: bpy.props.StringProperty(
        name="Server", default="http://localhost:7878",
        description="The Drover server's address, e.g. http://farm.studio:7878")
    email: bpy.props.StringProperty(name="Email", description="Your Drover (Kitsu) login")
    # Only the tokens are kept, never the password.
    access_token: bpy.props.StringProperty(options={"HIDDEN"})
    refresh_token: bpy.props.StringProperty(options={"HIDDEN"})
    logged_in_as: bpy.props.StringProperty(options={"HIDDEN"})

    def draw(self, context):
        layout = self.layout
        layout.prop(self, "server")
        wm = context.window_manager
        if self.access_token:
            row = layout.row()
            row.label(text=f"Logged in as {self.logged_in_as or self.email}", icon="CHECKMARK")
            row.operator("drover.logout")
            return
        layout.prop(self, "email")
        layout.prop(wm, "drover_password")
        if wm.drover_needs_code:
            layout.prop(wm, "drover_code")
        layout.operator("drover.login")
        if state.error:
            layout.label(text=state.error, icon="ERROR")


def _project_items(self, context):
    items = [(str(p["id"]), p["name"], f"Project {p['name']}", int(p["id"]))
             for p in state.projects]
    if not items:
        items = [("", "(log in, then refresh)", "No project loaded yet", 0)]
    _project_items.cache = items  # Blender needs the strings kept alive
    return items


def task_number(task_id):
    """A stable enum number for a task's UUID."""
    return int(str(task_id).replace("-", "")[:7], 16) + 1


def task_label(task):
    entity = task.get("entity_name") or ""
    if task.get("sequence_name"):
        entity = f"{task['sequence_name']} / {entity}"
    return (f"{task.get('project_name') or ''} · {entity} · {task.get('task_type_name') or ''} "
            f"({task.get('task_status_short_name') or ''})")


def _task_items(self, context):
    items = [("NONE", "None", "The render is not posted for review", 0)]
    items += [(str(t["id"]), task_label(t), "Where the video or last frame is posted for review",
               task_number(t["id"])) for t in state.tasks]
    _task_items.cache = items
    return items


class DroverJobSettings(bpy.types.PropertyGroup):
    job_name: bpy.props.StringProperty(
        name="Job name", description="Empty: the file's name")
    frames: bpy.props.StringProperty(
        name="Frames", description="e.g. 1-250 or 1-10,20,30-40. Empty: the scene's range")
    chunk_size: bpy.props.IntProperty(
        name="Chunk size", default=1, min=1, max=100000, description="Frames per task")
    priority: bpy.props.IntProperty(
        name="Priority", default=50, min=0, max=100, description="Higher runs first")
    output: bpy.props.StringProperty(
        name="Output", subtype="FILE_PATH",
        description="Where frames go, # for the frame number. Empty: the scene's output path")
    file_format: bpy.props.EnumProperty(
        name="Format", default="SCENE",
        items=[("SCENE", "As the scene", "The scene's format if PNG, JPEG or OpenEXR, else PNG"),
               ("PNG", "PNG", "Lossless 8/16-bit"),
               ("JPEG", "JPEG", "Lossy 8-bit"),
               ("OPEN_EXR", "OpenEXR", "Float EXR")])
    video: bpy.props.BoolProperty(
        name="Video", description="Join the frames into an MP4 once they are all rendered")
    project: bpy.props.EnumProperty(name="Project", items=_project_items)
    production_task: bpy.props.EnumProperty(
        name="Task", items=_task_items, description="Your open Kitsu task this render is for")


CLASSES = (DroverPreferences, DroverJobSettings)


def register():
    for cls in CLASSES:
        bpy.utils.register_class(cls)
    bpy.types.Scene.drover = bpy.props.PointerProperty(type=DroverJobSettings)
    # On the window manager: never written to a file or the preferences.
    bpy.types.WindowManager.drover_password = bpy.props.StringProperty(
        name="Password", subtype="PASSWORD", options={"SKIP_SAVE"})
    bpy.types.WindowManager.drover_code = bpy.props.StringProperty(
        name="One-time code", options={"SKIP_SAVE"},
        description="The code from your authenticator app")
    bpy.types.WindowManager.drover_needs_code = bpy.props.BoolProperty(options={"SKIP_SAVE"})
    # What the last Submit did, kept out of the scene: a Submit must not change the .blend it
    # sends, or sending the same file again would upload it again.
    bpy.types.WindowManager.drover_job_id = bpy.props.IntProperty(
        name="Job", default=0, description="The last job submitted", options={"SKIP_SAVE"})
    # Bytes the last Submit uploaded, as text (an IntProperty stops at 2 GiB).
    bpy.types.WindowManager.drover_uploaded_bytes = bpy.props.StringProperty(options={"SKIP_SAVE"})


def unregister():
    for name in ("drover_password", "drover_code", "drover_needs_code", "drover_job_id",
                 "drover_uploaded_bytes"):
        delattr(bpy.types.WindowManager, name)
    del bpy.types.Scene.drover
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
