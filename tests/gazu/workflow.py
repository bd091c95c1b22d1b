#!/usr/bin/env python3
"""Kitsu's everyday workflow, driven through the real gazu client against a Drover server.

    python workflow.py HOST EMAIL PASSWORD [--keep-going]

HOST is the API root as gazu wants it (``http://127.0.0.1:7878/api``); EMAIL and PASSWORD are
an admin's. Each may instead come from DROVER_GAZU_HOST, DROVER_GAZU_EMAIL and
DROVER_GAZU_PASSWORD.

Every step calls gazu the way a Kitsu user would and checks what comes back (shapes and values,
as Zou answers them). It prints ``ok  <step>`` per step and stops with exit status 1 at the
first failure, printing the HTTP exchanges of the failing step. With ``--keep-going`` it runs
every step and lists the failures at the end; a step that needs something a failed step should
have made is reported as skipped.

A failing gazu call is a bug in Drover: this script never works around the server. It needs
gazu (pinned in .ci/run) and the standard library only. Names carry a random tag, so the script
may run more than once against the same server.
"""

import csv
import datetime
import io
import os
import struct
import sys
import tempfile
import traceback
import uuid
import zlib

import gazu
from gazu import client as raw
from gazu.exception import NotAuthenticatedException

# Tags the names this run creates, so that a second run starts afresh.
TAG = uuid.uuid4().hex[:6]
PROJECT = f"Gazu {TAG}"
ARTIST_EMAIL = f"ada-{TAG}@drover.test"
ARTIST_PASSWORD = "analytical engine 1843"
# A day with time logged on it, and the planned dates of the animation task.
WORK_DAY = "2024-05-03"
START_DATE = "2024-05-02"
DUE_DATE = "2024-05-10"
PREVIEW_SIZE = (64, 32)
CSV_HEADER = (
    "Project;Task Type;Episode;Sequence;Entity Type;Entity;Assigner;Assignees;Duration;"
    "Estimation;Start date;Due date;WIP date;Validation date;Task Status"
)
# The smallest file tree Zou computes output paths from: `mode -> folder_path/file_name ->
# entity kind -> template`. Tokens are slugified and lowercased.
FILE_TREE = {
    "output": {
        "mountpoint": "/prod",
        "root": "export",
        "folder_path": {
            "asset": "<Project>/assets/<AssetType>/<Asset>/<TaskType>/<OutputType>",
            "shot": "<Project>/shots/<Sequence>/<Shot>/<TaskType>/<OutputType>",
            "style": "lowercase",
        },
        "file_name": {
            "asset": "<Asset>_<TaskType>_<OutputType>_v<Version>",
            "shot": "<Shot>_<TaskType>_<OutputType>_v<Version>",
            "style": "lowercase",
        },
    }
}


# --- checks -------------------------------------------------------------------------------


class CheckFailed(Exception):
    """An answer that is not what Kitsu would give."""


class Missing(Exception):
    """A value that an earlier, failed step should have made."""


def expect(condition, what):
    if not condition:
        raise CheckFailed(what)


def expect_eq(actual, expected, what):
    if actual != expected:
        raise CheckFailed(f"{what}: expected {expected!r}, got {actual!r}")


def expect_keys(value, keys, what):
    """`value` is a dict holding every key of `keys`."""
    expect(isinstance(value, dict), f"{what}: expected a dict, got {short(value)}")
    missing = [key for key in keys if key not in value]
    expect(not missing, f"{what}: no {', '.join(missing)} in {short(value)}")


def expect_model(value, kind, what, **fields):
    """`value` is a serialised Zou model of type `kind` with an id and the given fields."""
    expect_keys(value, ["id", "type", "created_at", "updated_at"], what)
    expect_eq(value["type"], kind, f"{what} type")
    for key, expected in fields.items():
        expect_eq(value.get(key), expected, f"{what} {key}")


def expect_list(value, what):
    expect(isinstance(value, list), f"{what}: expected a list, got {short(value)}")
    return value


def ids(items):
    return [item["id"] for item in items]


def by_id(items, wanted, what):
    """The item of the list `items` whose id is `wanted`."""
    for item in expect_list(items, what):
        if item.get("id") == wanted:
            return item
    raise CheckFailed(f"{what}: {wanted} not among {short(items)}")


def short(value, limit=300):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def slug(name):
    """Zou's path token for the plain names used here (letters, digits and spaces)."""
    return name.lower().replace(" ", "_")


def png_size(data):
    """The (width, height) of a PNG, read from its header."""
    expect(data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG")
    return struct.unpack(">II", data[16:24])


def png(width, height):
    """A small RGB PNG (a gradient), built with zlib and struct only."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + bytes(channel for x in range(width) for channel in (x * 4, y * 8, 128))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# --- the HTTP log -------------------------------------------------------------------------

# Every response seen during the current step: (method, path, status, body excerpt).
EXCHANGES = []


def record(response, *_args, **_kwargs):
    body = response.text if "json" in response.headers.get("content-type", "") else ""
    if not body and response.status_code >= 400:
        body = response.text
    EXCHANGES.append(
        (
            response.request.method,
            response.request.path_url,
            response.status_code,
            " ".join(body.split())[:400],
        )
    )


def watch(kitsu_client):
    kitsu_client.session.hooks["response"].append(record)
    return kitsu_client


# --- the steps ----------------------------------------------------------------------------


class State:
    """What the steps make, by name; reading a name no step has set raises `Missing`."""

    def __getattr__(self, name):
        raise Missing(name)


STEPS = []


def step(name):
    """Registers a step; steps run in the order they are written."""

    def register(function):
        STEPS.append((name, function))
        return function

    return register


# Session ----------------------------------------------------------------------------------


@step("host_is_up, get_api_version")
def host(s):
    expect(raw.host_is_up(), "host_is_up: HEAD on the API root did not answer 200")
    version = raw.get_api_version()
    expect(isinstance(version, str) and version, f"get_api_version: {short(version)}")


@step("log_in")
def log_in(s):
    tokens = gazu.log_in(s.email, s.password)
    expect_keys(tokens, ["user", "access_token", "refresh_token", "login"], "log_in")
    expect_eq(tokens["login"], True, "log_in login")
    expect_eq(tokens["user"].get("email"), s.email, "log_in user email")
    expect("password" not in tokens["user"], "log_in: the user dict shows the password")


@step("refresh_access_token, twice")
def refresh(s):
    # Drover rotates refresh tokens: each refresh answers a new one, which gazu keeps, and
    # the one it sent is retired (sent again, it would end the session).
    client = raw.default_client
    first = client.refresh_token
    client.refresh_access_token()
    second = client.refresh_token
    expect(second and second != first, "refresh_access_token: the refresh token did not rotate")
    client.refresh_access_token()
    expect(client.refresh_token not in (first, second), "refresh_access_token: no new token")


@step("get_current_user")
def current_user(s):
    me = s.me = raw.get_current_user()
    expect_model(me, "Person", "get_current_user", email=s.email, role="admin")
    expect_keys(me, ["first_name", "last_name", "full_name", "departments"], "get_current_user")


@step("person.get_organisation")
def organisation(s):
    organisation = gazu.person.get_organisation()
    expect_model(organisation, "Organisation", "get_organisation")
    expect(organisation.get("name"), f"get_organisation: no name in {short(organisation)}")


# Project and its settings -----------------------------------------------------------------


@step("project.new_project (tvshow)")
def new_project(s):
    project = s.project = gazu.project.new_project(PROJECT, "tvshow")
    expect_model(project, "Project", "new_project", name=PROJECT, production_type="tvshow")
    expect_eq(project.get("production_style"), "2d3d", "new_project production_style")
    # Zou gives every new TV show its first episode.
    expect(project.get("first_episode_id"), f"new_project: no first_episode_id: {short(project)}")
    found = gazu.project.get_project_by_name(PROJECT)
    expect_eq(found and found["id"], project["id"], "get_project_by_name")


@step("asset.new_asset_type")
def new_asset_types(s):
    # The seeded types come back as they are; a new name makes a new type, once.
    character = s.character = gazu.asset.new_asset_type("Character")
    expect_model(character, "EntityType", "new_asset_type (seeded)", name="Character")
    s.environment = gazu.asset.new_asset_type("Environment")
    name = f"Vehicle {TAG}"
    vehicle = s.vehicle = gazu.asset.new_asset_type(name)
    expect_model(vehicle, "EntityType", "new_asset_type", name=name)
    expect_eq(gazu.asset.new_asset_type(name)["id"], vehicle["id"], "new_asset_type twice")


@step("project.add_asset_type")
def add_asset_types(s):
    asset_types = (s.character, s.environment, s.vehicle)
    for asset_type in asset_types:
        project = gazu.project.add_asset_type(s.project, asset_type)
        expect_model(project, "Project", "add_asset_type", id=s.project["id"])
    # The project's settings: asset types as ids. (all_asset_types_for_project lists the types
    # of the project's assets instead, checked once there are some.)
    project = gazu.project.get_project(s.project["id"])
    expect_model(project, "Project", "get_project", id=s.project["id"])
    settings = project.get("asset_types") or []
    for asset_type in asset_types:
        expect(asset_type["id"] in settings, f"get_project asset_types: {short(settings)}")


@step("task.new_task_type (Shot, Asset)")
def new_task_types(s):
    animation = s.animation = gazu.task.new_task_type("Animation", for_entity="Shot")
    expect_model(animation, "TaskType", "new_task_type (seeded)", for_entity="Shot")
    modeling = s.modeling = gazu.task.new_task_type("Modeling", for_entity="Asset")
    expect_model(modeling, "TaskType", "new_task_type (seeded)", for_entity="Asset")
    name = f"Previz {TAG}"
    previz = s.previz = gazu.task.new_task_type(name, color="#FF8800", for_entity="Shot")
    expect_model(previz, "TaskType", "new_task_type", name=name, for_entity="Shot")
    expect_eq(str(previz.get("color")).upper(), "#FF8800", "new_task_type color")
    name = f"Sculpt {TAG}"
    sculpt = s.sculpt = gazu.task.new_task_type(name, color="#8800FF", for_entity="Asset")
    expect_model(sculpt, "TaskType", "new_task_type", name=name, for_entity="Asset")
    again = gazu.task.new_task_type(name, for_entity="Asset")
    expect_eq(again["id"], sculpt["id"], "new_task_type twice")


@step("project.add_task_type")
def add_task_types(s):
    task_types = (s.animation, s.previz, s.modeling, s.sculpt)
    for priority, task_type in enumerate(task_types, start=1):
        project = gazu.project.add_task_type(s.project, task_type, priority)
        expect_model(project, "Project", "add_task_type", id=s.project["id"])
    in_project = gazu.task.all_task_types_for_project(s.project)
    for task_type in task_types:
        by_id(in_project, task_type["id"], "all_task_types_for_project")


@step("task.get_default_task_status, task.get_task_status_by_short_name")
def find_task_statuses(s):
    todo = gazu.task.get_default_task_status()
    expect_model(todo, "TaskStatus", "get_default_task_status", short_name="todo", is_default=True)
    statuses = s.statuses = {"todo": todo}
    flags = {"wip": "is_wip", "wfa": "is_feedback_request", "done": "is_done"}
    for short_name, flag in flags.items():
        status = gazu.task.get_task_status_by_short_name(short_name)
        what = f"get_task_status_by_short_name({short_name!r})"
        expect_model(status, "TaskStatus", what, short_name=short_name)
        expect_eq(status.get(flag), True, f"{what} {flag}")
        statuses[short_name] = status


@step("task.new_task_status")
def new_task_status(s):
    name, short_name = f"Internal Review {TAG}", f"ir{TAG}"
    review = s.review = gazu.task.new_task_status(name, short_name, "#FF00FF")
    expect_model(
        review, "TaskStatus", "new_task_status", name=name, short_name=short_name, is_default=False
    )
    found = gazu.task.get_task_status_by_short_name(short_name)
    expect_eq(found and found["id"], review["id"], "get_task_status_by_short_name (new)")


@step("project.add_task_status")
def add_task_statuses(s):
    statuses = [*s.statuses.values(), s.review]
    for status in statuses:
        project = gazu.project.add_task_status(s.project, status)
        expect_model(project, "Project", "add_task_status", id=s.project["id"])
    in_project = gazu.task.all_task_statuses_for_project(s.project)
    for status in statuses:
        by_id(in_project, status["id"], "all_task_statuses_for_project")


# Assets -----------------------------------------------------------------------------------


@step("asset.new_asset")
def new_assets(s):
    hero = s.hero = gazu.asset.new_asset(
        s.project, s.character, "Hero", description="The hero", extra_data={"rig": "biped"}
    )
    expect_model(
        hero,
        "Asset",
        "new_asset",
        name="Hero",
        project_id=s.project["id"],
        entity_type_id=s.character["id"],
        description="The hero",
        data={"rig": "biped"},
    )
    car = s.car = gazu.asset.new_asset(s.project, s.vehicle, "Car")
    expect_model(car, "Asset", "new_asset", name="Car", entity_type_id=s.vehicle["id"])
    s.town = gazu.asset.new_asset(s.project, s.environment, "Town")
    again = gazu.asset.new_asset(s.project, s.vehicle, "Car")
    expect_eq(again["id"], car["id"], "new_asset twice")


@step("asset.all_asset_types_for_project")
def all_asset_types_for_project(s):
    listed = gazu.asset.all_asset_types_for_project(s.project)
    expected = [s.character["id"], s.environment["id"], s.vehicle["id"]]
    expect_eq(sorted(ids(expect_list(listed, "all_asset_types_for_project"))), sorted(expected),
              "all_asset_types_for_project")
    character = by_id(listed, s.character["id"], "all_asset_types_for_project")
    expect_model(character, "AssetType", "all_asset_types_for_project", name="Character")


@step("asset.get_asset")
def get_asset(s):
    full = gazu.asset.get_asset(s.hero["id"])
    expect_model(full, "Asset", "get_asset", id=s.hero["id"], name="Hero")
    for key, expected in {
        "asset_type_name": "Character",
        "project_name": PROJECT,
        "data": {"rig": "biped"},
    }.items():
        expect_eq(full.get(key), expected, f"get_asset {key}")
    expect(isinstance(full.get("tasks"), list), f"get_asset: no tasks list in {short(full)}")


@step("asset.get_asset_by_name")
def get_asset_by_name(s):
    found = gazu.asset.get_asset_by_name(s.project, "Hero", s.character)
    expect_eq(found and found["id"], s.hero["id"], "get_asset_by_name")
    nobody = gazu.asset.get_asset_by_name(s.project, "Nobody")
    expect_eq(nobody, None, "get_asset_by_name (no such asset)")


@step("asset.all_assets_for_project")
def all_assets_for_project(s):
    listed = gazu.asset.all_assets_for_project(s.project)
    expected = [s.hero["id"], s.car["id"], s.town["id"]]
    expect_eq(sorted(ids(expect_list(listed, "all_assets_for_project"))), sorted(expected),
              "all_assets_for_project")
    car = by_id(listed, s.car["id"], "all_assets_for_project")
    expect_model(car, "Asset", "all_assets_for_project", entity_type_id=s.vehicle["id"])


@step("asset.update_asset")
def update_asset(s):
    # Zou merges `data` into what the asset had.
    updated = gazu.asset.update_asset(
        {"id": s.hero["id"], "description": "Our hero", "data": {"height": 2}}
    )
    expect_model(updated, "Asset", "update_asset", id=s.hero["id"], description="Our hero")
    expect_eq(updated.get("data"), {"rig": "biped", "height": 2}, "update_asset data (merged)")


# Episodes, sequences and shots ------------------------------------------------------------


@step("shot.new_episode")
def new_episode(s):
    episode = s.episode = gazu.shot.new_episode(s.project, "E01")
    expect_model(episode, "Episode", "new_episode", name="E01", project_id=s.project["id"])
    expect_eq(episode["id"], s.project.get("first_episode_id"), "new_episode: the first episode")


@step("shot.new_sequence")
def new_sequences(s):
    sq01 = s.sq01 = gazu.shot.new_sequence(s.project, "SQ01", episode=s.episode)
    expect_model(
        sq01, "Sequence", "new_sequence", name="SQ01", parent_id=s.episode["id"],
        project_id=s.project["id"],
    )
    s.sq02 = gazu.shot.new_sequence(s.project, "SQ02", episode=s.episode)
    again = gazu.shot.new_sequence(s.project, "SQ01", episode=s.episode)
    expect_eq(again["id"], sq01["id"], "new_sequence twice")


@step("shot.new_shot (frame_in, frame_out)")
def new_shots(s):
    sh010 = s.sh010 = gazu.shot.new_shot(
        s.project, s.sq01, "SH010", nb_frames=48, frame_in=1, frame_out=48
    )
    expect_model(
        sh010,
        "Shot",
        "new_shot",
        name="SH010",
        parent_id=s.sq01["id"],
        project_id=s.project["id"],
        nb_frames=48,
        data={"frame_in": 1, "frame_out": 48},
    )
    sh020 = gazu.shot.new_shot(s.project, s.sq01, "SH020", frame_in=49, frame_out=72)
    expect_eq(gazu.shot.new_shot(s.project, s.sq01, "SH020")["id"], sh020["id"], "new_shot twice")


@step("shot.get_shot")
def get_shot(s):
    full = gazu.shot.get_shot(s.sh010["id"])
    expect_model(full, "Shot", "get_shot", id=s.sh010["id"], name="SH010")
    for key, expected in {
        "frame_in": 1,
        "frame_out": 48,
        "nb_frames": 48,
        "parent_id": s.sq01["id"],
        "sequence_id": s.sq01["id"],
        "sequence_name": "SQ01",
        "episode_id": s.episode["id"],
        "episode_name": "E01",
        "project_id": s.project["id"],
        "project_name": PROJECT,
    }.items():
        expect_eq(full.get(key), expected, f"get_shot {key}")


@step("shot.all_shots_for_sequence")
def all_shots_for_sequence(s):
    listed = expect_list(gazu.shot.all_shots_for_sequence(s.sq01), "all_shots_for_sequence")
    expect_eq([shot.get("name") for shot in listed], ["SH010", "SH020"], "all_shots_for_sequence")
    expect_model(listed[0], "Shot", "all_shots_for_sequence", sequence_name="SQ01")


@step("shot.all_sequences_for_episode")
def all_sequences_for_episode(s):
    listed = gazu.shot.all_sequences_for_episode(s.episode)
    expect_eq(ids(expect_list(listed, "all_sequences_for_episode")), [s.sq01["id"], s.sq02["id"]],
              "all_sequences_for_episode")
    expect_model(listed[0], "Sequence", "all_sequences_for_episode", name="SQ01")


@step("shot.update_shot")
def update_shot(s):
    # The usual edit: read the shot, change it, save the whole dict back.
    full = gazu.shot.get_shot(s.sh010["id"])
    full["description"] = "Hero enters"
    full["nb_frames"] = 50
    updated = gazu.shot.update_shot(full)
    expect_model(
        updated, "Shot", "update_shot", id=s.sh010["id"], nb_frames=50, description="Hero enters"
    )
    # A partial `data` is merged with the frame range already there.
    updated = gazu.shot.update_shot({"id": s.sh010["id"], "data": {"camera": "cam_a"}})
    expect_eq(
        updated.get("data"),
        {"frame_in": 1, "frame_out": 48, "camera": "cam_a"},
        "update_shot data (merged)",
    )


# People -----------------------------------------------------------------------------------


@step("person.new_person")
def new_person(s):
    ada = s.ada = gazu.person.new_person(
        "Ada",
        "Lovelace",
        ARTIST_EMAIL,
        role="user",
        desktop_login=f"ada{TAG}",
        password=ARTIST_PASSWORD,
    )
    expect_model(
        ada,
        "Person",
        "new_person",
        email=ARTIST_EMAIL,
        full_name="Ada Lovelace",
        role="user",
        active=True,
    )
    expect("password" not in ada, "new_person: the answer shows the password")


@step("person.get_person_by_email")
def get_person_by_email(s):
    found = gazu.person.get_person_by_email(ARTIST_EMAIL)
    expect_model(found, "Person", "get_person_by_email", id=s.ada["id"], email=ARTIST_EMAIL)


@step("person.new_department")
def new_department(s):
    name = f"Animation {TAG}"
    department = s.department = gazu.person.new_department(name, color="#00AAFF")
    expect_model(department, "Department", "new_department", name=name, color="#00AAFF")
    expect_eq(gazu.person.new_department(name)["id"], department["id"], "new_department twice")


@step("person.add_person_to_department")
def add_person_to_department(s):
    person = gazu.person.add_person_to_department(s.ada, s.department)
    expect_model(person, "Person", "add_person_to_department", id=s.ada["id"])
    expect_eq(person.get("departments"), [s.department["id"]], "add_person_to_department")


# Tasks ------------------------------------------------------------------------------------


@step("task.new_task")
def new_tasks(s):
    anim = s.anim = gazu.task.new_task(s.sh010, s.animation, assigner=s.me)
    expect_model(
        anim,
        "Task",
        "new_task",
        name="main",
        project_id=s.project["id"],
        entity_id=s.sh010["id"],
        task_type_id=s.animation["id"],
        task_status_id=s.statuses["todo"]["id"],
        assigner_id=s.me["id"],
        assignees=[],
    )
    expect_eq(gazu.task.new_task(s.sh010, s.animation)["id"], anim["id"], "new_task twice")
    modeling = s.modeling_task = gazu.task.new_task(
        s.hero, s.modeling, assigner=s.me, assignees=[s.me]
    )
    expect_model(modeling, "Task", "new_task", entity_id=s.hero["id"], assignees=[s.me["id"]])
    s.sculpt_task = gazu.task.new_task(s.hero, s.sculpt, assignees=[s.me])


@step("task.all_tasks_for_shot")
def all_tasks_for_shot(s):
    listed = expect_list(gazu.task.all_tasks_for_shot(s.sh010), "all_tasks_for_shot")
    expect_eq(ids(listed), [s.anim["id"]], "all_tasks_for_shot")
    expect_model(
        listed[0],
        "Task",
        "all_tasks_for_shot",
        task_type_name="Animation",
        task_status_name="Todo",
        entity_name="SH010",
        project_name=PROJECT,
    )


@step("task.all_tasks_for_asset")
def all_tasks_for_asset(s):
    listed = expect_list(gazu.task.all_tasks_for_asset(s.hero), "all_tasks_for_asset")
    expect_eq(sorted(ids(listed)), sorted([s.modeling_task["id"], s.sculpt_task["id"]]),
              "all_tasks_for_asset")
    modeling = by_id(listed, s.modeling_task["id"], "all_tasks_for_asset")
    expect_model(modeling, "Task", "all_tasks_for_asset", task_type_name="Modeling",
                 entity_name="Hero")


@step("task.get_task")
def get_task(s):
    full = gazu.task.get_task(s.anim)
    expect_model(full, "Task", "get_task", id=s.anim["id"], assignees=[])
    for key, field, expected in [
        ("entity", "name", "SH010"),
        ("task_type", "name", "Animation"),
        ("task_status", "short_name", "todo"),
        ("project", "name", PROJECT),
        ("sequence", "name", "SQ01"),
        ("episode", "name", "E01"),
    ]:
        nested = full.get(key)
        expect(isinstance(nested, dict), f"get_task: no {key} dict in {short(full)}")
        expect_eq(nested.get(field), expected, f"get_task {key}.{field}")
    expect_eq(full.get("persons"), [], "get_task persons")


@step("task.update_task")
def update_task(s):
    updated = gazu.task.update_task(
        {"id": s.anim["id"], "estimation": 960, "start_date": START_DATE, "due_date": DUE_DATE}
    )
    expect_model(updated, "Task", "update_task", id=s.anim["id"], estimation=960)
    for key, expected in {"start_date": START_DATE, "due_date": DUE_DATE}.items():
        expect(
            str(updated.get(key)).startswith(expected),
            f"update_task {key}: expected {expected}, got {updated.get(key)!r}",
        )


@step("task.assign_task")
def assign_task(s):
    assigned = gazu.task.assign_task(s.anim, s.ada)
    task = by_id(assigned, s.anim["id"], "assign_task")
    expect_eq(task.get("assignees"), [s.ada["id"]], "assign_task assignees")
    persons = gazu.task.get_task(s.anim).get("persons") or []
    expect_eq([p.get("id") for p in persons], [s.ada["id"]], "get_task persons after assign_task")


@step("task.start_task")
def start_task(s):
    wip = s.statuses["wip"]
    comment = gazu.task.start_task(s.anim)
    expect_model(
        comment, "Comment", "start_task", object_id=s.anim["id"], task_status_id=wip["id"]
    )
    full = gazu.task.get_task(s.anim)
    expect_eq(full.get("task_status_id"), wip["id"], "get_task status after start_task")
    expect(full.get("real_start_date"), "start_task: the task has no real_start_date")


# Review: comment, preview -----------------------------------------------------------------


@step("task.add_comment (wfa)")
def add_comment(s):
    wfa = s.statuses["wfa"]
    comment = s.comment = gazu.task.add_comment(s.anim, wfa, "First pass, please review")
    expect_model(
        comment,
        "Comment",
        "add_comment",
        object_id=s.anim["id"],
        object_type="Task",
        text="First pass, please review",
        task_status_id=wfa["id"],
        person_id=s.me["id"],
    )
    status = comment.get("task_status") or {}
    expect_eq(status.get("short_name"), "wfa", "add_comment task_status.short_name")
    full = gazu.task.get_task(s.anim)
    expect_eq(full.get("task_status_id"), wfa["id"], "get_task status after the comment")
    # The sculpt is approved: it becomes one of the admin's done tasks.
    done = gazu.task.add_comment(s.sculpt_task, s.statuses["done"], "Approved")
    expect_model(done, "Comment", "add_comment (done)", task_status_id=s.statuses["done"]["id"])


@step("task.add_preview (PNG)")
def add_preview(s):
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "sh010_anim.png")
        with open(path, "wb") as file:
            file.write(png(*PREVIEW_SIZE))
        preview = s.preview = gazu.task.add_preview(s.anim, s.comment, path)
    expect_model(
        preview,
        "PreviewFile",
        "add_preview",
        task_id=s.anim["id"],
        extension="png",
        revision=1,
        status="ready",
    )
    expect_eq((preview.get("width"), preview.get("height")), PREVIEW_SIZE, "add_preview size")
    full = gazu.task.get_task(s.anim)
    expect_eq(full.get("last_preview_file_id"), preview["id"], "get_task last_preview_file_id")


@step("task.set_main_preview")
def set_main_preview(s):
    shot = gazu.task.set_main_preview(s.preview)
    expect_eq(shot.get("id"), s.sh010["id"], "set_main_preview: the shot")
    expect_eq(shot.get("preview_file_id"), s.preview["id"], "set_main_preview preview_file_id")


@step("task.all_comments_for_task")
def all_comments_for_task(s):
    comments = expect_list(gazu.task.all_comments_for_task(s.anim), "all_comments_for_task")
    # Newest first: the review comment, then start_task's.
    expect_eq(len(comments), 2, "all_comments_for_task count")
    newest = comments[0]
    expect_model(
        newest, "Comment", "all_comments_for_task", id=s.comment["id"],
        text="First pass, please review",
    )
    expect_eq((newest.get("task_status") or {}).get("short_name"), "wfa",
              "all_comments_for_task task_status.short_name")
    expect_eq((newest.get("person") or {}).get("id"), s.me["id"], "all_comments_for_task person")
    previews = [p.get("id") for p in newest.get("previews") or []]
    expect_eq(previews, [s.preview["id"]], "all_comments_for_task previews")


@step("task.add_comment (attachments), add_attachment_files_to_comment, files.*attachment*")
def comment_attachments(s):
    notes_bytes = b"%PDF-1.4 layout notes"
    picture = png(*PREVIEW_SIZE)
    with tempfile.TemporaryDirectory() as scratch:
        notes = os.path.join(scratch, "layout notes.pdf")
        reference = os.path.join(scratch, "reference.png")
        with open(notes, "wb") as file:
            file.write(notes_bytes)
        with open(reference, "wb") as file:
            file.write(picture)
        comment = gazu.task.add_comment(
            s.anim,
            s.statuses["wfa"],
            "Notes attached",
            checklist=[{"text": "timing", "checked": False}],
            attachments=[notes, reference],
        )
        expect_model(comment, "Comment", "add_comment (attachments)", text="Notes attached")
        expect_eq(comment.get("checklist"), [{"text": "timing", "checked": False}],
                  "add_comment (attachments) checklist")
        files = {f.get("name"): f for f in comment.get("attachment_files") or []}
        expect_eq(sorted(files), ["layout notes.pdf", "reference.png"],
                  "add_comment attachment_files")
        expect_eq(files["reference.png"].get("size"), len(picture), "attachment size")
        added = expect_list(
            gazu.task.add_attachment_files_to_comment(s.anim, comment, notes),
            "add_attachment_files_to_comment",
        )
        expect_eq([a.get("name") for a in added], ["layout notes-2.pdf"],
                  "add_attachment_files_to_comment renames a clash")
        row = gazu.files.get_attachment_file(files["layout notes.pdf"]["id"])
        expect_model(row, "AttachmentFile", "get_attachment_file", comment_id=comment["id"],
                     extension="pdf", mimetype="application/pdf")
        saved = os.path.join(scratch, "downloaded.pdf")
        gazu.files.download_attachment_file(row, saved)
        with open(saved, "rb") as file:
            expect_eq(file.read(), notes_bytes, "download_attachment_file bytes")
        thumbnail = os.path.join(scratch, "thumbnail.png")
        gazu.files.download_attachment_thumbnail(files["reference.png"], thumbnail)
        with open(thumbnail, "rb") as file:
            expect_eq(png_size(file.read()), (150, 150), "download_attachment_thumbnail size")
    listed = expect_list(gazu.files.get_all_attachment_files_for_task(s.anim),
                         "get_all_attachment_files_for_task")
    expect_eq(len(listed), 3, "get_all_attachment_files_for_task count")


# Casting and asset instances --------------------------------------------------------------


@step("casting.update_shot_casting")
def update_shot_casting(s):
    wanted = [
        {"asset_id": s.hero["id"], "nb_occurences": 1},
        {"asset_id": s.car["id"], "nb_occurences": 2, "label": "animate"},
    ]
    answer = gazu.casting.update_shot_casting(s.project, s.sh010, wanted)
    expect_eq(answer, wanted, "update_shot_casting answers the casting sent")


@step("casting.get_shot_casting")
def get_shot_casting(s):
    cast = expect_list(gazu.casting.get_shot_casting(s.sh010), "get_shot_casting")
    by_asset = {link.get("asset_id"): link for link in cast}
    expect_eq(sorted(by_asset), sorted([s.hero["id"], s.car["id"]]), "get_shot_casting assets")
    hero, car = by_asset[s.hero["id"]], by_asset[s.car["id"]]
    for key, expected in {
        "asset_name": "Hero",
        "asset_type_name": "Character",
        "nb_occurences": 1,
    }.items():
        expect_eq(hero.get(key), expected, f"get_shot_casting hero {key}")
    expect_eq((car.get("nb_occurences"), car.get("label")), (2, "animate"), "get_shot_casting car")


@step("casting.get_asset_cast_in")
def get_asset_cast_in(s):
    cast_in = expect_list(gazu.casting.get_asset_cast_in(s.car), "get_asset_cast_in")
    expect_eq([entry.get("shot_id") for entry in cast_in], [s.sh010["id"]], "get_asset_cast_in")
    expected = {"shot_name": "SH010", "sequence_name": "SQ01", "nb_occurences": 2}
    for key, value in expected.items():
        expect_eq(cast_in[0].get(key), value, f"get_asset_cast_in {key}")


@step("asset.new_asset_asset_instance")
def new_asset_asset_instance(s):
    instance = s.instance = gazu.asset.new_asset_asset_instance(
        s.town, s.hero, description="Hero in town"
    )
    expect_model(
        instance,
        "AssetInstance",
        "new_asset_asset_instance",
        asset_id=s.hero["id"],
        target_asset_id=s.town["id"],
        number=1,
        name="Hero_0001",
        description="Hero in town",
    )


@step("shot.add_asset_instance_to_shot")
def add_asset_instance_to_shot(s):
    shot = gazu.shot.add_asset_instance_to_shot(s.sh010, s.instance)
    # Zou answers the bare entity (its `type` is "Entity").
    expect_keys(shot, ["id", "type"], "add_asset_instance_to_shot")
    expect_eq(shot["id"], s.sh010["id"], "add_asset_instance_to_shot: the shot")


@step("shot.all_asset_instances_for_shot")
def all_asset_instances_for_shot(s):
    # Zou answers a dict of instances by asset, though gazu documents a list.
    instances = gazu.shot.all_asset_instances_for_shot(s.sh010)
    expect(isinstance(instances, dict), f"all_asset_instances_for_shot: {short(instances)}")
    expect_eq(list(instances), [s.hero["id"]], "all_asset_instances_for_shot assets")
    expect_eq(ids(instances[s.hero["id"]]), [s.instance["id"]], "all_asset_instances_for_shot")


# Output files -----------------------------------------------------------------------------


@step("files.new_output_type")
def new_output_type(s):
    name = f"Geometry {TAG}"
    geometry = s.geometry = gazu.files.new_output_type(name, "geo")
    expect_model(geometry, "OutputType", "new_output_type", name=name, short_name="geo")
    again = gazu.files.new_output_type(name, "geo")
    expect_eq(again["id"], geometry["id"], "new_output_type twice")


@step("files.update_project_file_tree")
def update_project_file_tree(s):
    project = gazu.files.update_project_file_tree(s.project, FILE_TREE)
    expect_model(project, "Project", "update_project_file_tree", id=s.project["id"])
    expect_eq(project.get("file_tree"), FILE_TREE, "update_project_file_tree file_tree")


@step("files.new_entity_output_file")
def new_entity_output_file(s):
    output = gazu.files.new_entity_output_file(
        s.hero, s.geometry, s.modeling, "first publish", person=s.me, representation="abc"
    )
    expect_model(
        output,
        "OutputFile",
        "new_entity_output_file",
        entity_id=s.hero["id"],
        output_type_id=s.geometry["id"],
        task_type_id=s.modeling["id"],
        person_id=s.me["id"],
        revision=1,
        representation="abc",
        comment="first publish",
    )
    # The paths come from FILE_TREE: tokens slugified and lowercased, the version on 3 digits.
    output_type = slug(s.geometry["name"])
    folder = f"/prod/export/{slug(PROJECT)}/assets/character/hero/modeling/{output_type}"
    expect_eq(output.get("folder_path"), folder, "new_entity_output_file folder_path")
    file_name = f"hero_modeling_{output_type}_v001"
    expect_eq(output.get("file_name"), file_name, "new_entity_output_file file_name")


@step("files.all_output_types_for_entity")
def all_output_types_for_entity(s):
    types = expect_list(gazu.files.all_output_types_for_entity(s.hero), "all_output_types")
    expect_eq(ids(types), [s.geometry["id"]], "all_output_types_for_entity")
    expect_model(types[0], "OutputType", "all_output_types_for_entity", short_name="geo")


# Time spent -------------------------------------------------------------------------------


@step("task.add_time_spent")
def add_time_spent(s):
    logged = gazu.task.add_time_spent(s.anim, s.ada, WORK_DAY, 60)
    expect_model(
        logged,
        "TimeSpent",
        "add_time_spent",
        task_id=s.anim["id"],
        person_id=s.ada["id"],
        date=WORK_DAY,
        duration=60,
    )
    logged = gazu.task.add_time_spent(s.anim, s.ada, WORK_DAY, 30)
    expect_model(logged, "TimeSpent", "add_time_spent (again)", duration=90)


@step("task.set_time_spent")
def set_time_spent(s):
    logged = gazu.task.set_time_spent(s.anim, s.ada, WORK_DAY, 120)
    expect_model(
        logged, "TimeSpent", "set_time_spent", duration=120, date=WORK_DAY, person_id=s.ada["id"]
    )


@step("task.get_time_spent")
def get_time_spent(s):
    for date in (None, WORK_DAY):
        spent = gazu.task.get_time_spent(s.anim, date)
        what = f"get_time_spent({date or ''})"
        expect_keys(spent, ["total", s.ada["id"]], what)
        expect_eq(spent["total"], 120, f"{what} total")
        entries = expect_list(spent[s.ada["id"]], what)
        expect_eq([entry.get("duration") for entry in entries], [120], f"{what} entries")
    full = gazu.task.get_task(s.anim)
    expect_eq(full.get("duration"), 120, "get_task duration (the time spent)")


# Schedule ---------------------------------------------------------------------------------


@step("client.create schedule-items")
def create_schedule_item(s):
    item = s.schedule_item = raw.create(
        "schedule-items",
        {
            "project_id": s.project["id"],
            "task_type_id": s.animation["id"],
            "start_date": "2024-05-01",
            "end_date": "2024-05-31",
            "man_days": 10,
        },
    )
    expect_model(
        item,
        "ScheduleItem",
        "create schedule-items",
        project_id=s.project["id"],
        task_type_id=s.animation["id"],
        start_date="2024-05-01",
        end_date="2024-05-31",
        man_days=10,
    )


@step("client.fetch_all schedule-items")
def fetch_schedule_items(s):
    items = raw.fetch_all("schedule-items", params={"project_id": s.project["id"]})
    found = by_id(items, s.schedule_item["id"], "fetch_all schedule-items")
    expect_model(found, "ScheduleItem", "fetch_all schedule-items", man_days=10)
    others = [item for item in items if item.get("project_id") != s.project["id"]]
    expect(not others, f"fetch_all schedule-items ignores project_id: {short(others)}")


# CSV export -------------------------------------------------------------------------------


@step("client.get export/csv/tasks.csv")
def csv_export(s):
    text = raw.get("export/csv/tasks.csv", json_response=False)
    expect(isinstance(text, str) and text, f"tasks.csv: {short(text)}")
    expect_eq(text.splitlines()[0], CSV_HEADER, "tasks.csv header")
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=";") if row[:1] == [PROJECT]]
    expect_eq(len(rows), 3, f"tasks.csv: rows of {PROJECT}")
    shot_rows = [row for row in rows if row[5:6] == ["SH010"]]
    expect_eq(len(shot_rows), 1, "tasks.csv: rows of SH010")
    row = dict(zip(CSV_HEADER.split(";"), shot_rows[0]))
    assigner = f"{s.me['first_name']} {s.me['last_name']}".strip()
    for key, expected in {
        "Task Type": "Animation",
        "Episode": "E01",
        "Sequence": "SQ01",
        "Entity Type": "Shot",
        "Assigner": assigner,
        "Assignees": "Ada Lovelace",
        "Start date": START_DATE,
        "Due date": DUE_DATE,
        "Task Status": "Waiting For Approval",
    }.items():
        expect_eq(row.get(key, "").strip(), expected, f"tasks.csv {key}")
    for key, expected in {"Duration": 120, "Estimation": 960}.items():
        expect(is_number(row.get(key)) and float(row[key]) == expected,
               f"tasks.csv {key}: expected {expected}, got {row.get(key)!r}")
    # Set by start_task and by the comment that asked for feedback: today, in some time zone.
    for key in ("WIP date", "Validation date"):
        expect(is_date(row.get(key)), f"tasks.csv {key}: not a YYYY-MM-DD date: {row.get(key)!r}")


def is_number(text):
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def is_date(text):
    try:
        datetime.date.fromisoformat(text)
    except (TypeError, ValueError):
        return False
    return len(text) == 10


# The current user's routes ----------------------------------------------------------------


@step("user.all_tasks_to_do")
def all_tasks_to_do(s):
    to_do = expect_list(gazu.user.all_tasks_to_do(), "all_tasks_to_do")
    task = by_id(to_do, s.modeling_task["id"], "all_tasks_to_do")
    expect_model(
        task,
        "Task",
        "all_tasks_to_do",
        project_name=PROJECT,
        entity_name="Hero",
        task_type_name="Modeling",
        task_status_short_name="todo",
    )
    expect(s.sculpt_task["id"] not in ids(to_do), "all_tasks_to_do lists a done task")


@step("user.all_done_tasks")
def all_done_tasks(s):
    done = expect_list(gazu.user.all_done_tasks(), "all_done_tasks")
    # Earlier runs against the same server left done tasks in their own projects.
    done = [task for task in done if task.get("project_id") == s.project["id"]]
    expect_eq(ids(done), [s.sculpt_task["id"]], "all_done_tasks (of this project)")
    expect_model(done[0], "Task", "all_done_tasks", task_status_short_name="done")


@step("user.all_filters, user.new_filter")
def filters(s):
    filters = gazu.user.all_filters()
    # Filters come back nested: list type, then project id.
    expect(isinstance(filters, dict), f"all_filters: expected a dict, got {short(filters)}")
    new = gazu.user.new_filter("Heroes", "hero", "asset", project=s.project, entity_type="Asset")
    expect_model(
        new,
        "SearchFilter",
        "new_filter",
        name="Heroes",
        search_query="hero",
        list_type="asset",
        project_id=s.project["id"],
        person_id=s.me["id"],
    )
    filters = gazu.user.all_filters()
    nested = filters.get("asset", {}).get(s.project["id"]) if isinstance(filters, dict) else None
    expect(nested is not None, f"all_filters: nothing under asset/<project>: {short(filters)}")
    by_id(nested, new["id"], "all_filters asset/<project>")


@step("user.log_desktop_session_log_in, user.all_desktop_login_logs")
def desktop_login_logs(s):
    log = gazu.user.log_desktop_session_log_in()
    expect_model(log, "DesktopLoginLog", "log_desktop_session_log_in", person_id=s.me["id"])
    logs = expect_list(gazu.user.all_desktop_login_logs(), "all_desktop_login_logs")
    expect_eq(ids(logs)[:1], [log["id"]], "all_desktop_login_logs (newest first)")


@step("user.mark_all_notifications_as_read")
def mark_all_notifications_as_read(s):
    answer = gazu.user.mark_all_notifications_as_read()
    expect_eq(answer, {"success": True}, "mark_all_notifications_as_read")


@step("log_in (the artist), user.all_tasks_to_do")
def artist(s):
    artist = watch(raw.create_client(s.host))
    tokens = gazu.log_in(ARTIST_EMAIL, ARTIST_PASSWORD, client=artist)
    expect_eq((tokens.get("user") or {}).get("id"), s.ada["id"], "log_in (artist) user")
    to_do = expect_list(gazu.user.all_tasks_to_do(client=artist), "all_tasks_to_do (artist)")
    expect_eq(ids(to_do), [s.anim["id"]], "all_tasks_to_do (artist)")
    expect_model(to_do[0], "Task", "all_tasks_to_do (artist)", task_status_short_name="wfa")
    gazu.log_out(client=artist)


# Playlists --------------------------------------------------------------------------------


@step("playlist.new_playlist")
def new_playlist(s):
    playlist = s.playlist = gazu.playlist.new_playlist(s.project, "Dailies", episode=s.episode)
    expect_model(
        playlist,
        "Playlist",
        "new_playlist",
        name="Dailies",
        project_id=s.project["id"],
        episode_id=s.episode["id"],
        for_entity="shot",
        for_client=False,
    )
    again = gazu.playlist.new_playlist(s.project, "Dailies", episode=s.episode)
    expect_eq(again.get("id"), playlist["id"], "new_playlist twice")


@step("playlist.all_playlists_for_project")
def all_playlists_for_project(s):
    listed = expect_list(gazu.playlist.all_playlists_for_project(s.project), "all_playlists")
    expect_eq(ids(listed), [s.playlist["id"]], "all_playlists_for_project")
    expect_model(listed[0], "Playlist", "all_playlists_for_project", name="Dailies")


@step("playlist.add_entity_to_playlist")
def add_entity_to_playlist(s):
    playlist = gazu.playlist.add_entity_to_playlist(s.playlist, s.sh010)
    expect_model(playlist, "Playlist", "add_entity_to_playlist", id=s.playlist["id"])
    shots = expect_list(playlist.get("shots"), "add_entity_to_playlist shots")
    expect_eq([x.get("entity_id") for x in shots], [s.sh010["id"]], "add_entity_to_playlist")
    expect(shots[0].get("preview_file_id"), "add_entity_to_playlist: the shot's preview")
    s.playlist = playlist


@step("playlist.generate_temp_playlist")
def generate_temp_playlist(s):
    entries = expect_list(
        gazu.playlist.generate_temp_playlist(s.project, {"task_ids": [s.anim["id"]]}),
        "generate_temp_playlist",
    )
    expect_eq([e.get("id") for e in entries], [s.sh010["id"]], "generate_temp_playlist")
    expect(entries[0].get("preview_file_id"), "generate_temp_playlist: the shot's preview")


@step("files.update_preview_annotations")
def update_preview_annotations(s):
    drawing = {"objects": [{"id": "stroke-1", "type": "path"}]}
    preview = gazu.files.update_preview_annotations(
        s.playlist["shots"][0]["preview_file_id"],
        additions=[{"time": 0, "frame": 0, "drawing": drawing}],
    )
    expect_eq(
        [a["drawing"]["objects"][0]["id"] for a in preview.get("annotations") or []],
        ["stroke-1"],
        "update_preview_annotations",
    )
    preview = gazu.files.update_preview_annotations(
        preview, deletions=[{"time": 0, "objects": ["stroke-1"]}]
    )
    expect_eq(preview.get("annotations"), [], "update_preview_annotations deletions")


@step("files.update_preview_position")
def update_preview_position(s):
    preview_id = s.playlist["shots"][0]["preview_file_id"]
    pictures = expect_list(
        gazu.files.update_preview_position(preview_id, 1), "update_preview_position"
    )
    expect_eq(pictures[0].get("id"), preview_id, "update_preview_position: moved first")
    expect_eq(
        [p.get("position") for p in pictures],
        list(range(1, len(pictures) + 1)),
        "update_preview_position positions",
    )


@step("log_out")
def log_out(s):
    tokens = dict(raw.default_client.tokens)
    expect_eq(gazu.log_out(), {}, "log_out")
    # The server must have revoked the token, not only gazu forgotten it.
    raw.set_tokens(tokens)
    try:
        raw.get_current_user()
    except NotAuthenticatedException:
        pass
    else:
        raise CheckFailed("the access token still works after log_out")
    finally:
        raw.set_tokens({})


# --- running ------------------------------------------------------------------------------


def arguments(argv):
    keep_going = "--keep-going" in argv
    positional = [arg for arg in argv if arg != "--keep-going"]
    names = ("DROVER_GAZU_HOST", "DROVER_GAZU_EMAIL", "DROVER_GAZU_PASSWORD")
    values = positional + [os.environ.get(name) for name in names[len(positional):]]
    if len(positional) > 3 or not all(values):
        sys.exit(
            "usage: workflow.py HOST EMAIL PASSWORD [--keep-going]\n"
            "       (or DROVER_GAZU_HOST, DROVER_GAZU_EMAIL, DROVER_GAZU_PASSWORD)"
        )
    return values, keep_going


def say(line, failure=False):
    """One line of the report: progress on stdout, failures on stderr, in the order they come."""
    print(line, file=sys.stderr if failure else sys.stdout, flush=True)


def report(name, error):
    """Prints why step `name` failed, with the HTTP exchanges that show it."""
    say(f"FAIL {name}", failure=True)
    if isinstance(error, CheckFailed):
        say(f"     check: {error}", failure=True)
    else:
        say(f"     {type(error).__name__}: {error}", failure=True)
        if not type(error).__module__.startswith("gazu"):
            # Not a server answer gazu turned into an exception: show where it came from.
            say("     " + traceback.format_exc().strip().replace("\n", "\n     "), failure=True)
    failed = [exchange for exchange in EXCHANGES if exchange[2] >= 400]
    for method, path, status, body in failed or EXCHANGES[-1:]:
        say(f"     {method} {path} -> {status} {body}", failure=True)


def main(argv):
    (host_url, email, password), keep_going = arguments(argv)
    gazu.set_host(host_url)
    watch(raw.default_client)
    state = State()
    state.host, state.email, state.password = host_url, email, password

    failures = []
    for name, function in STEPS:
        EXCHANGES.clear()
        try:
            function(state)
        except Missing as missing:
            say(f"skip {name} (needs `{missing}` from a failed step)")
            continue
        except Exception as error:  # any error at all is this step's failure
            report(name, error)
            failures.append(name)
            if not keep_going:
                return 1
            continue
        say(f"ok  {name}")
    if failures:
        say(f"\n{len(failures)} of {len(STEPS)} steps failed:", failure=True)
        for name in failures:
            say(f"  {name}", failure=True)
        return 1
    say(f"\nall {len(STEPS)} steps passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
