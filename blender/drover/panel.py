"""The Drover panel in Render Properties: the job's settings, Submit, and the job live."""

import bpy

from . import files
from .ops import output_template
from .props import prefs, state


class DROVER_PT_submit(bpy.types.Panel):
    bl_label = "Drover"
    bl_space_type = "PROPERTIES"
    bl_region_type = "WINDOW"
    bl_context = "render"

    def draw(self, context):
        layout = self.layout
        layout.use_property_split = True
        layout.use_property_decorate = False
        scene = context.scene
        s = scene.drover
        p = prefs(context)
        if not p.access_token:
            layout.label(text="Log in to Drover in the add-on's preferences", icon="INFO")
            layout.operator("preferences.addon_show", text="Open preferences").module = __package__
            return
        row = layout.row(align=True)
        row.prop(s, "project")
        row.operator("drover.refresh", text="", icon="FILE_REFRESH")
        layout.prop(s, "production_task")
        file_name = bpy.path.display_name_from_filepath(bpy.data.filepath) or "(save the file)"
        layout.prop(s, "job_name")
        layout.prop(s, "frames")
        layout.prop(s, "chunk_size")
        layout.prop(s, "priority")
        layout.prop(s, "output")
        layout.prop(s, "file_format")
        layout.prop(s, "video")
        box = layout.box()
        box.label(text=f"Job: {s.job_name.strip() or file_name}")
        box.label(text=f"Frames: {s.frames.strip() or f'{scene.frame_start}-{scene.frame_end}'}")
        box.label(text=f"Output: {output_template(context)}")
        layout.operator("drover.submit", icon="EXPORT")
        if state.status:
            layout.label(text=state.status, icon="TIME")
        elif state.error:
            layout.label(text=state.error, icon="ERROR")
        self.job_ui(context, layout)

    def job_ui(self, context, layout):
        job = state.job
        wm = context.window_manager
        if not wm.drover_job_id:
            return
        box = layout.box()
        if job and job.get("id") == wm.drover_job_id and "status" in job:
            progress = job.get("progress", {})
            total = progress.get("total", 0) or 1
            done = progress.get("completed", 0)
            box.label(text=f"Job #{job['id']} {job.get('name', '')}: {job['status']}")
            box.label(text=f"{done} of {progress.get('total', 0)} tasks done ({100 * done // total}%)"
                      + (f", {progress['failed']} failed" if progress.get("failed") else ""))
        else:
            box.label(text=f"Job #{wm.drover_job_id}")
        if wm.drover_uploaded_bytes:
            box.label(text=f"Uploaded {files.human_bytes(int(wm.drover_uploaded_bytes))} for it")
        if state.preview_icon:
            box.template_icon(icon_value=state.preview_icon, scale=10.0)
        row = box.row()
        row.operator("drover.watch", icon="FILE_REFRESH")
        row.operator("drover.open_app", icon="WINDOW")


CLASSES = (DROVER_PT_submit,)


def register():
    for cls in CLASSES:
        bpy.utils.register_class(cls)


def unregister():
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
