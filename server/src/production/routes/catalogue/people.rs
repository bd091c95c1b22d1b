//! Projects (settings, team, playlists, output files, the CSV), people and the person's own routes.

use super::Answer::{File, List, Model, Models};
use super::{Body, Op, PEOPLE, PROJECTS, delete, get, post, put};
use drover_shared::Role::{Admin, Manager, Supervisor, Vendor};

pub(super) static OPS: &[Op] = &[
    // Projects.
    get(
        "/data/projects/open",
        PROJECTS,
        "The open projects the person may see",
    )
    .answers(Models("Project")),
    get(
        "/data/projects/{project}/settings/{setting}",
        PROJECTS,
        "The task types, task statuses or asset types a project uses",
    )
    .answers(List)
    .only("setting", &["task-types", "task-status", "asset-types"]),
    post(
        "/data/projects/{project}/settings/{setting}",
        PROJECTS,
        "Adds a task type, task \
        status or asset type to a project (`task_type_id`, `task_status_id`, \
        `asset_type_id`; `priority`); `batch` sets several at once, as the production \
        wizard does (`task_types: [{task_type_id, priority}]`, `task_status_ids`, \
        `asset_type_ids`, `replace_task_types`)",
    )
    .answers(Model("Project"))
    .role(Manager)
    .only(
        "setting",
        &["task-types", "task-status", "asset-types", "batch"],
    ),
    delete(
        "/data/projects/{project}/settings/{setting}/{id}",
        PROJECTS,
        "Removes a task type, task status or asset type from a project",
    )
    .role(Manager)
    .only("setting", &["task-types", "task-status", "asset-types"]),
    get(
        "/data/projects/{project}/task-types",
        PROJECTS,
        "The task types a project uses",
    )
    .answers(Models("TaskType")),
    get(
        "/data/projects/{project}/task-status",
        PROJECTS,
        "The task statuses a project uses",
    )
    .answers(Models("TaskStatus")),
    get(
        "/data/projects/{project}/asset-types",
        PROJECTS,
        "The asset types a project uses",
    )
    .answers(Models("AssetType")),
    get(
        "/data/projects/{project}/day-offs",
        PROJECTS,
        "The team's day offs overlapping `start_date`..`end_date`, by person (not for \
        vendors and clients; descriptions for managers, admins and one's own)",
    ),
    get(
        "/data/projects/{project}/schedule-items/task-types",
        PROJECTS,
        "The schedule items of the task types the project has tasks of, the missing ones \
        made (not for vendors)",
    )
    .answers(Models("ScheduleItem")),
    get(
        "/data/projects/{project}/team",
        PROJECTS,
        "A project's team",
    )
    .answers(Models("Person")),
    post(
        "/data/projects/{project}/team",
        PROJECTS,
        "Adds a person (`person_id`) to the team",
    )
    .answers(Model("Project"))
    .role(Manager),
    delete(
        "/data/projects/{project}/team/{person}",
        PROJECTS,
        "Removes a person from the team",
    )
    .role(Manager),
    get(
        "/data/projects/{project}/metadata-descriptors",
        PROJECTS,
        "A project's metadata descriptors",
    )
    .answers(Models("MetadataDescriptor")),
    get(
        "/data/projects/{project}/episodes/{episode}/playlists",
        PROJECTS,
        "An episode's playlists (`main`: those of no episode; `all`: those of every \
        episode), 20 per `page`, newest first; not for vendors",
    )
    .answers(Models("Playlist")),
    get(
        "/data/projects/news",
        PROJECTS,
        "The news feed of every open production the person may read: `{data, total, \
        stats}`, newest first (`page`, `page_size`, `task_type_id`, `task_status_id`, \
        `person_id`, `episode_id`, `only_preview`, `after`, `before`); not for clients",
    ),
    get(
        "/data/projects/{project}/news",
        PROJECTS,
        "A production's news feed: `{data, total, stats}`, newest first, with the filters of \
        the studio's feed; not for clients",
    ),
    get(
        "/data/projects/{project}/news/{news}",
        PROJECTS,
        "One item of a production's news feed",
    ),
    get(
        "/data/projects/all",
        PROJECTS,
        "Every project the person may see, open or closed, by name, with its status's name \
        and its metadata descriptors",
    )
    .answers(Models("Project")),
    get(
        "/data/projects/{project}/assets/shared-used",
        PROJECTS,
        "The assets other productions share that this one casts in its shots",
    )
    .answers(Models("Asset")),
    get(
        "/data/projects/{project}/episodes/{episode}/assets/shared-used",
        PROJECTS,
        "The shared assets of other productions cast in the episode's shots",
    )
    .answers(Models("Asset")),
    put(
        "/data/projects/{project}/entities/casting",
        PROJECTS,
        "Replaces the casting of several entities at once: `{entity_id: [{asset_id, \
        nb_occurences, label}]}`, all or none; answers each one's casting",
    )
    .role(Supervisor),
    put(
        "/data/projects/{project}/entities/casting/assets/{asset}",
        PROJECTS,
        "Casts one asset into several entities (`entity_ids`, `nb_occurences`, `label`), \
        keeping what else they cast; answers each one's casting",
    )
    .role(Supervisor),
    get(
        "/data/projects/{project}/playlists",
        PROJECTS,
        "A project's playlists, 20 per \
        `page`, newest first (`sort_by`, `task_type_id`)",
    )
    .answers(Models("Playlist")),
    post(
        "/data/entities/{entity}/output-files/new",
        PROJECTS,
        "Adds an output file of an \
        entity (`output_type_id`, `task_type_id`, `person_id`, `revision`, `representation`, \
        `name`, `comment`), its path from the project's file tree",
    )
    .answers(Model("OutputFile"))
    .role(Vendor),
    post(
        "/data/asset-instances/{instance}/entities/{temporal}/output-files/new",
        PROJECTS,
        "Adds an output file of an asset instance in a shot or scene",
    )
    .answers(Model("OutputFile"))
    .status(200)
    .role(Vendor),
    get(
        "/data/entities/{entity}/output-types",
        PROJECTS,
        "The output types an entity's output files use",
    )
    .answers(Models("OutputType")),
    get(
        "/export/csv/tasks.csv",
        PROJECTS,
        "The tasks of the open projects as Kitsu's CSV",
    )
    .answers(File("text/csv"))
    .role(Manager),
    // People and the person's own routes.
    get("/data/user/done-tasks", PEOPLE, "The person's done tasks").answers(Models("Task")),
    get(
        "/data/user/context",
        PEOPLE,
        "What Kitsu's web front end starts from: the open projects the person is on with \
        their settings, the studio's lists as the person may read them, saved filters and \
        the unread notification count",
    ),
    get("/data/user/tasks", PEOPLE, "The person's tasks to do").answers(Models("Task")),
    get(
        "/data/user/tasks-to-check",
        PEOPLE,
        "The tasks waiting for the person's feedback: every open project's for admins, \
        their teams' for managers and supervisors (in their departments, when they have any)",
    )
    .answers(Models("Task")),
    get(
        "/data/user/time-spents/{date}",
        PEOPLE,
        "The person's time spent on a day (`YYYY-MM-DD`)",
    )
    .answers(Models("TimeSpent")),
    get(
        "/data/persons/{person}/day-offs",
        PEOPLE,
        "A person's day offs: whole for the person, managers and admins, dates only for \
        a supervisor on a team with them",
    )
    .answers(Models("DayOff")),
    get(
        "/data/user/filters",
        PEOPLE,
        "The person's saved filters, by list type and project",
    ),
    post(
        "/data/user/filters",
        PEOPLE,
        "Saves a filter (`name`, `query`, `list_type`, \
        `entity_type`, `project_id`)",
    )
    .answers(Model("SearchFilter")),
    put("/data/user/filters/{id}", PEOPLE, "Changes a saved filter").answers(Model("SearchFilter")),
    delete("/data/user/filters/{id}", PEOPLE, "Removes a saved filter"),
    get(
        "/data/user/desktop-login-logs",
        PEOPLE,
        "The person's desktop log-ins, newest first",
    )
    .answers(Models("DesktopLoginLog")),
    post(
        "/data/user/desktop-login-logs",
        PEOPLE,
        "Records a desktop log-in (`date`, form or \
        JSON)",
    )
    .answers(Model("DesktopLoginLog")),
    get(
        "/data/user/notifications",
        PEOPLE,
        "The person's notifications",
    )
    .answers(Models("Notification")),
    get("/data/user/notifications/{id}", PEOPLE, "One notification").answers(Model("Notification")),
    put(
        "/data/user/notifications/{id}",
        PEOPLE,
        "Marks a notification read or unread \
        (`read`)",
    )
    .answers(Model("Notification")),
    post(
        "/actions/user/notifications/mark-all-as-read",
        PEOPLE,
        "Marks every notification read: `{\"success\": true}`",
    )
    .status(200)
    .body(Body::None),
    post(
        "/actions/persons/{person}/departments/add",
        PEOPLE,
        "Adds a person to a department \
        (`department_id`)",
    )
    .answers(Model("Person"))
    .role(Admin),
    delete(
        "/actions/persons/{person}/departments/{department}",
        PEOPLE,
        "Removes a person from a department",
    )
    .role(Admin),
    get(
        "/data/persons/{person}/quota-shots/day/{year}/{month}/{day}",
        PEOPLE,
        "The shots a \
        person finished on a day, weighted or not (`count_mode`); other people's for \
        supervisors and above",
    )
    .answers(List),
    post(
        "/import/csv/persons",
        PEOPLE,
        "Imports people from a CSV file (multipart `file`; `Email`, `First Name`, and \
        optionally `Last Name`, `Phone`, `Role`, `Contract Type`, `Position`, `Seniority`, \
        `Country`, `Daily Salary`, `Studio`, `Departments`, `Active`), all rows or none; a \
        person made has no usable password until one is set; an existing one (by e-mail) \
        is changed only with `update=true`; answers the rows' people",
    )
    .body(Body::Multipart)
    .answers(Models("Person"))
    .role(Admin),
];
