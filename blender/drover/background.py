"""Network work off Blender's UI thread: a named thread does the work, a `bpy.app.timers`
callback hands its result back on the main thread (where bpy may be touched).

In background Blender (`blender -b`, the tests) no timer runs, so the work runs at once, on
the calling thread.
"""

import queue
import threading

import bpy

# Seconds between looks at a running task's messages.
POLL_SECS = 0.2


class Task:
    """One piece of work: `work(say)` runs on a thread (`say(text)` reports progress), then
    `done(result, error)` runs on the main thread, `error` being the exception or None."""

    def __init__(self, name, work, done, progress=None):
        self.name = name
        self.work = work
        self.done = done
        self.progress = progress
        self.messages = queue.Queue(maxsize=1000)
        self.outcome = None

    def _say(self, text):
        try:
            self.messages.put_nowait(("progress", text))
        except queue.Full:
            pass

    def _run(self):
        try:
            result = self.work(self._say)
            self.outcome = (result, None)
        except Exception as e:  # handed to `done`, which reports it
            self.outcome = (None, e)

    def _poll(self):
        while True:
            try:
                _, text = self.messages.get_nowait()
            except queue.Empty:
                break
            if self.progress:
                self.progress(text)
        if self.outcome is None:
            return POLL_SECS
        result, error = self.outcome
        self.done(result, error)
        redraw()
        return None


def start(name, work, done, progress=None):
    """Runs `work` off the UI thread and `done` on it afterwards (see `Task`)."""
    task = Task(name, work, done, progress)
    if bpy.app.background:
        task._run()
        task._poll()
        return task
    threading.Thread(target=task._run, name=f"drover-{name}", daemon=True).start()
    bpy.app.timers.register(task._poll, first_interval=POLL_SECS)
    return task


def redraw():
    """Redraws the Properties editors, where the add-on's panel is."""
    wm = getattr(bpy.context, "window_manager", None)
    if wm is None:
        return
    for window in wm.windows:
        for area in window.screen.areas:
            if area.type == "PROPERTIES":
                area.tag_redraw()
