#!/usr/bin/env python3
"""Walks gazu's read functions against a Drover server and reports every route it lacks.

    python route_walk.py HOST EMAIL PASSWORD KNOWN_MISSING

HOST is the API root as gazu wants it (``http://127.0.0.1:7878/api``); EMAIL and PASSWORD are
an admin's. The script seeds one production through gazu (an episode, a sequence, a shot, an
asset, task types and tasks, a comment, a playlist, a department), then calls every public
function of gazu's modules that only reads (``all_*``, ``get_*``, ``check_*``, ``is_*``,
``search_*``), binding each argument it needs by its name (``project``, ``shot``, ``task``,
``person``, …) to the seeded rows. A function whose arguments cannot all be bound is listed
as not called.

It fails (exit status 1) when a call ends in:
- a route the server lacks (gazu's ``RouteNotFoundException`` or ``MethodNotAllowed``) for a
  function not named in KNOWN_MISSING, the list of what Drover does not serve yet, one
  function per line (``module.function``; ``#`` starts a comment);
- a server error (a 500) of any function, or an answer gazu trips over (a field it reads
  missing or of another shape: a KeyError, TypeError, AttributeError or ValueError);
and also when a function named in KNOWN_MISSING answers, so that the list only shrinks.
Refusals of the seeded arguments (a 400 or 403) are reported and do not fail the walk.
"""

import datetime
import inspect
import os
import re
import struct
import sys
import tempfile
import uuid
import zlib

import gazu
from gazu.exception import (
    MethodNotAllowedException,
    ParameterException,
    RouteNotFoundException,
    ServerErrorException,
)

# The modules a script reads through, and the prefixes of their read-only functions.
MODULES = [
    "asset",
    "casting",
    "concept",
    "context",
    "edit",
    "entity",
    "files",
    "person",
    "playlist",
    "project",
    "project_template",
    "scene",
    "shot",
    "task",
    "user",
]
READS = ("all_", "get_", "check_", "is_", "search_")
# Read-named functions that do not read a route, or write to disk: building a URL, reading
# the local cache, downloading a file to a path.
NOT_ROUTES = {
    "files.get_preview_file_url",
    "files.get_output_file_path",
    "files.get_working_file_path",
    "playlist.get_playlist_build_url",
}
TAG = uuid.uuid4().hex[:6]


def preview_picture():
    """A small PNG in a temporary file, for the one preview the walk reads."""
    width, height = 8, 4
    rows = b"".join(b"\x00" + b"\x80\x40\x20" * width for _ in range(height))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    handle, path = tempfile.mkstemp(suffix=".png")
    with os.fdopen(handle, "wb") as out:
        out.write(png)
    return path


def seed():
    """One production with one of everything the read functions take; the values by the
    argument names gazu gives them."""
    me = gazu.client.get_current_user()
    project = gazu.project.new_project(f"Walk {TAG}", "tvshow")
    character = gazu.asset.new_asset_type("Character")
    gazu.project.add_asset_type(project, character)
    animation = gazu.task.new_task_type("Animation", for_entity="Shot")
    modeling = gazu.task.new_task_type("Modeling", for_entity="Asset")
    for task_type in (animation, modeling):
        gazu.project.add_task_type(project, task_type, 1)
    todo = gazu.task.get_task_status_by_short_name("todo")
    gazu.project.add_task_status(project, todo)
    episode = gazu.shot.new_episode(project, "E01")
    sequence = gazu.shot.new_sequence(project, "SQ01", episode=episode)
    shot = gazu.shot.new_shot(project, sequence, "SH010", frame_in=1, frame_out=48)
    asset = gazu.asset.new_asset(project, character, "Hero")
    gazu.casting.update_shot_casting(project, shot, [{"asset_id": asset["id"], "nb_occurences": 1}])
    task = gazu.task.new_task(shot, animation, assignees=[me])
    asset_task = gazu.task.new_task(asset, modeling, assignees=[me])
    comment = gazu.task.add_comment(task, todo, "first pass")
    playlist = gazu.playlist.new_playlist(project, "Dailies", episode=episode)
    department = gazu.person.new_department(f"Lighting {TAG}")
    output_type = gazu.files.new_output_type(f"Geometry {TAG}", "geo")
    instance = gazu.asset.new_asset_asset_instance(asset, asset)
    scene = gazu.scene.new_scene(project, sequence, "SC010")
    edit = gazu.edit.new_edit(project, "Trailer")
    concept = gazu.concept.new_concept(project, "Moodboard")
    template = gazu.project_template.new_project_template_from_project(
        project, name=f"Template {TAG}"
    )
    notification = (gazu.user.all_notifications() or [None])[0]
    preview_file = gazu.task.add_preview(task, comment, preview_picture())
    return {
        "project": project,
        "project_id": project["id"],
        "asset_type": character,
        "asset": asset,
        "episode": episode,
        "sequence": sequence,
        "shot": shot,
        "entity": shot,
        "temporal_entity": shot,
        "task_type": animation,
        "task_status": todo,
        "task": task,
        "asset_task": asset_task,
        "comment": comment,
        "person": me,
        "user": me,
        "playlist": playlist,
        "department": department,
        "output_type": output_type,
        "asset_instance": instance,
        "scene": scene,
        "edit": edit,
        "concept": concept,
        "project_template": template,
        "concept_name": "Moodboard",
        "notification": notification,
        "preview_file": preview_file,
        "desktop_login": me.get("desktop_login") or "",
        "full_name": me["full_name"],
        "field_name": "resolution",
        "id": me["id"],
        "entity_type_id": character["id"],
        "status_id": gazu.client.fetch_all("file-status")[0]["id"],
        "episode_name": "E01",
        "sequence_name": "SQ01",
        "shot_name": "SH010",
        "scene_name": "SC010",
        "edit_name": "Trailer",
        "entity_name": "SH010",
        "entity_type_name": "Character",
        "project_name": project["name"],
        "project_status_name": "Open",
        "task_type_name": "Animation",
        "task_type_short_name": animation["short_name"],
        "task_status_short_name": "todo",
        "output_type_name": output_type["name"],
        "name": "SH010",
        "short_name": "todo",
        "email": me["email"],
        # A date prints as ISO text in a path, and is what functions that format it need.
        "date": datetime.date(2024, 5, 3),
        "year": 2024,
        "month": 5,
        "week": 18,
        "day": 3,
        "start_date": "2024-05-01",
        "end_date": "2024-05-31",
        "query": "Hero",
        "entity_type": "Shot",
        "for_entity": "Shot",
    }


def bind(function, values):
    """The function's required arguments from the seeded values (`shot_id` is the seeded
    shot's id), or None when one is not known."""
    args = {}
    for param in inspect.signature(function).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.default is not inspect.Parameter.empty:
            continue
        if values.get(param.name) is not None:
            args[param.name] = values[param.name]
        elif param.name.endswith("_id") and isinstance(values.get(param.name[:-3]), dict):
            args[param.name] = values[param.name[:-3]]["id"]
        else:
            return None
    return args


def shadowed(error):
    """Whether a 400 came from a generic route taking a word of gazu's path for an id
    (`data/tasks/open-tasks`): the route gazu meant is missing."""
    return isinstance(error, ParameterException) and re.search(r"malformed \w+ id `[a-z-]+`", str(error))


def main():
    host, email, password, known_path = sys.argv[1:5]
    with open(known_path, encoding="utf-8") as known_file:
        known = {
            line.split("#", 1)[0].strip()
            for line in known_file
            if line.split("#", 1)[0].strip()
        }
    gazu.set_host(host)
    gazu.log_in(email, password)
    values = seed()

    answered, missing, errors, refused, unbound = [], [], [], [], []
    for module_name in MODULES:
        module = getattr(gazu, module_name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            qualified = f"{module_name}.{name}"
            if (
                function.__module__ != module.__name__
                or not name.startswith(READS)
                or qualified in NOT_ROUTES
            ):
                continue
            args = bind(function, values)
            if args is None:
                unbound.append(qualified)
                continue
            try:
                function(**args)
                answered.append(qualified)
            except (RouteNotFoundException, MethodNotAllowedException) as e:
                missing.append((qualified, str(e)))
            except ServerErrorException as e:
                errors.append((qualified, str(e)))
            except (KeyError, TypeError, AttributeError, ValueError) as e:
                # gazu tripped over an answer: a field missing or of the wrong shape.
                errors.append((qualified, f"{type(e).__name__}: {e}"))
            except Exception as e:  # a refusal of the seeded arguments
                if shadowed(e):
                    missing.append((qualified, str(e)))
                else:
                    refused.append((qualified, f"{type(e).__name__}: {e}"))

    print(f"answered: {len(answered)}")
    for qualified, why in refused:
        print(f"refused   {qualified}: {why}")
    for qualified in unbound:
        print(f"not called {qualified}")
    failures = []
    for qualified, path in missing:
        if qualified in known:
            print(f"missing   {qualified} ({path}), known")
        else:
            failures.append(f"no route for {qualified}: {path}")
    for qualified, why in errors:
        failures.append(f"{qualified} failed on the answer: {why}")
    now_served = sorted(known & set(answered + [q for q, _ in refused]))
    for qualified in now_served:
        failures.append(f"{qualified} answers now: take it off {known_path}")
    for failure in failures:
        print(f"FAIL      {failure}")
    print(
        f"{len(answered)} answered, {len(refused)} refused, {len(missing)} missing "
        f"({len(missing) - len([f for f in failures if f.startswith('no route')])} known), "
        f"{len(errors)} server errors or answers gazu trips over, {len(unbound)} not called"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
