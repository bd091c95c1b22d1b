//! The named production routes, one entry per operation: what the OpenAPI document says of
//! each, and the least role the role gate lets through (the finer team and ownership rules
//! stay with the handlers). Every path a production router serves must be here, and every
//! path here must be served: [`super::openapi::Routes`] and its test hold both to it.

use drover_shared::Role;

/// An operation's method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

/// What an operation takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// Nothing.
    None,
    /// A JSON object (form fields are taken too, as Kitsu does).
    Json,
    /// `multipart/form-data` with a `file` part.
    Multipart,
    /// A JSON object, form fields, or multipart with file parts.
    JsonOrMultipart,
}

/// What an operation answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// One row of a model (its component schema).
    Model(&'static str),
    /// A list of rows of a model.
    Models(&'static str),
    /// A JSON object.
    Object,
    /// A JSON list.
    List,
    /// No body (204).
    Empty,
    /// A file of this type.
    File(&'static str),
}

/// One named operation.
#[derive(Debug, Clone, Copy)]
pub struct Op {
    pub method: Method,
    /// The path as the router has it, relative to `/api`.
    pub path: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    pub body: Body,
    pub status: u16,
    pub answer: Answer,
    /// The least role that may call it; `None`: anyone logged in.
    pub role: Option<Role>,
    /// A path parameter that takes only these values.
    pub values: Option<(&'static str, &'static [&'static str])>,
}

const fn op(method: Method, path: &'static str, tag: &'static str, summary: &'static str) -> Op {
    Op {
        method,
        path,
        tag,
        summary,
        body: Body::None,
        status: 200,
        answer: Answer::Object,
        role: None,
        values: None,
    }
}

const fn get(path: &'static str, tag: &'static str, summary: &'static str) -> Op {
    op(Method::Get, path, tag, summary)
}

const fn post(path: &'static str, tag: &'static str, summary: &'static str) -> Op {
    Op {
        body: Body::Json,
        status: 201,
        ..op(Method::Post, path, tag, summary)
    }
}

const fn put(path: &'static str, tag: &'static str, summary: &'static str) -> Op {
    Op {
        body: Body::Json,
        ..op(Method::Put, path, tag, summary)
    }
}

const fn delete(path: &'static str, tag: &'static str, summary: &'static str) -> Op {
    Op {
        status: 204,
        answer: Answer::Empty,
        ..op(Method::Delete, path, tag, summary)
    }
}

impl Op {
    const fn answers(self, answer: Answer) -> Self {
        Self { answer, ..self }
    }
    const fn role(self, role: Role) -> Self {
        Self {
            role: Some(role),
            ..self
        }
    }
    const fn status(self, status: u16) -> Self {
        Self { status, ..self }
    }
    const fn body(self, body: Body) -> Self {
        Self { body, ..self }
    }
    const fn only(self, param: &'static str, values: &'static [&'static str]) -> Self {
        Self {
            values: Some((param, values)),
            ..self
        }
    }
}

const BREAKDOWN: &str = "kitsu: breakdown";
const REVIEWS: &str = "kitsu: reviews";
const PROJECTS: &str = "kitsu: projects";
const PEOPLE: &str = "kitsu: people";
const FILES: &str = "kitsu: files";

use Answer::{File, List, Model, Models};
use Role::{Admin, Manager, Supervisor, Vendor};

/// Every named operation.
pub static NAMED: &[Op] = &[
    get(
        "/",
        PEOPLE,
        "Kitsu's index: the API name and version (gazu reads the version)",
    ),
    // Breakdown.
    post(
        "/data/projects/{project}/asset-types/{asset_type}/assets/new",
        BREAKDOWN,
        "Creates an asset of this type: `name`, `description`, `data`, `source_id`",
    )
    .answers(Model("Asset"))
    .role(Supervisor),
    get(
        "/data/projects/{project}/asset-types/{asset_type}/assets",
        BREAKDOWN,
        "The project's assets of this type",
    )
    .answers(Models("Asset")),
    post(
        "/actions/projects/{project}/asset-types/{asset_type}/assets/share",
        BREAKDOWN,
        "Shares (or, with `is_shared: false`, unshares) the assets of this type",
    )
    .answers(Models("Asset"))
    .role(Supervisor),
    get(
        "/data/projects/{project}/{kind}",
        BREAKDOWN,
        "The project's rows of this kind (filters from the query string)",
    )
    .answers(List)
    .only(
        "kind",
        &[
            "assets",
            "episodes",
            "sequences",
            "shots",
            "scenes",
            "edits",
            "tasks",
            "schedule-items",
        ],
    ),
    post(
        "/data/projects/{project}/{kind}",
        BREAKDOWN,
        "Creates an episode, sequence, shot, scene or edit by name (`episode_id`, \
         `sequence_id`, `nb_frames`, `data`), or answers the one that exists",
    )
    .role(Supervisor)
    .only(
        "kind",
        &["episodes", "sequences", "shots", "scenes", "edits"],
    ),
    get(
        "/data/assets/all",
        BREAKDOWN,
        "Every asset the person may see, with type names",
    )
    .answers(Models("Asset")),
    get(
        "/data/shots/all",
        BREAKDOWN,
        "Every shot the person may see, with sequence names",
    )
    .answers(Models("Shot")),
    get(
        "/data/sequences/{sequence}/shots",
        BREAKDOWN,
        "A sequence's shots",
    )
    .answers(Models("Shot")),
    get(
        "/data/episodes/{episode}/sequences",
        BREAKDOWN,
        "An episode's sequences",
    )
    .answers(Models("Sequence")),
    get(
        "/data/{kind}/{entity}/tasks",
        BREAKDOWN,
        "An entity's tasks (`relations=true` adds \
        assignees and names)",
    )
    .answers(Models("Task"))
    .only(
        "kind",
        &[
            "assets",
            "shots",
            "sequences",
            "episodes",
            "edits",
            "scenes",
        ],
    ),
    get(
        "/data/assets/{asset}/assets",
        BREAKDOWN,
        "The assets an asset is made of",
    )
    .answers(List),
    get(
        "/data/assets/{asset}/cast-in",
        BREAKDOWN,
        "The shots an asset is cast in",
    )
    .answers(List),
    get(
        "/data/projects/{project}/entities/{entity}/casting",
        BREAKDOWN,
        "An entity's casting: `{asset_id, nb_occurences, label, …}` per asset",
    )
    .answers(List),
    put(
        "/data/projects/{project}/entities/{entity}/casting",
        BREAKDOWN,
        "Replaces an entity's casting with the JSON list sent",
    )
    .answers(List)
    .role(Supervisor),
    get(
        "/data/projects/{project}/sequences/all/casting",
        BREAKDOWN,
        "The casting of every shot of the project, by sequence then shot",
    ),
    get(
        "/data/projects/{project}/sequences/{sequence}/casting",
        BREAKDOWN,
        "The casting of a sequence's shots, by shot",
    ),
    get(
        "/data/projects/{project}/episodes/{episode}/sequences/all/casting",
        BREAKDOWN,
        "The casting of an episode's shots, by sequence then shot",
    ),
    get(
        "/data/shots/{shot}/asset-instances",
        BREAKDOWN,
        "The asset instances used in a shot, by asset",
    ),
    post(
        "/data/shots/{shot}/asset-instances",
        BREAKDOWN,
        "Uses an asset instance (`asset_instance_id`) in a shot",
    )
    .role(Supervisor),
    delete(
        "/data/shots/{shot}/asset-instances/{instance}",
        BREAKDOWN,
        "Stops using an asset instance in a shot",
    )
    .role(Supervisor),
    get(
        "/data/assets/{asset}/asset-asset-instances",
        BREAKDOWN,
        "The instances of other assets inside an asset, by asset",
    ),
    post(
        "/data/assets/{asset}/asset-asset-instances",
        BREAKDOWN,
        "Adds an instance of an asset (`asset_to_instantiate_id`, `description`) inside \
         an asset",
    )
    .answers(Model("AssetInstance"))
    .role(Supervisor),
    post(
        "/data/scenes/{scene}/shots",
        BREAKDOWN,
        "Makes the scene the source of a shot \
        (`shot_id`)",
    )
    .answers(Model("Shot"))
    .status(200)
    .role(Supervisor),
    // Reviews.
    get(
        "/data/tasks/{task}/full",
        REVIEWS,
        "A task with its entity, project, type, status, \
        assignees and the farm jobs that rendered it (`render_jobs`)",
    ),
    get(
        "/data/tasks/{task}/comments",
        REVIEWS,
        "A task's comments, newest first, with status, \
        author, previews and attachments",
    )
    .answers(Models("Comment")),
    put(
        "/actions/persons/{person}/assign",
        REVIEWS,
        "Assigns tasks (`task_ids`) to a person, \
        who joins their projects' teams",
    )
    .answers(Models("Task"))
    .role(Supervisor),
    post(
        "/actions/tasks/{task}/comment",
        REVIEWS,
        "Comments on a task and sets its status \
        (`task_status_id`, `comment`, `checklist`, `links`, `person_id`, `created_at`); as \
        multipart, the file parts become attachments",
    )
    .answers(Model("Comment"))
    .body(Body::JsonOrMultipart),
    post(
        "/actions/tasks/{task}/comments/{comment}/add-preview",
        REVIEWS,
        "Adds a preview \
        revision to a comment (`revision`), waiting for its file",
    )
    .answers(Model("PreviewFile")),
    post(
        "/actions/tasks/{task}/comments/{comment}/preview-files/{preview}",
        REVIEWS,
        "Adds another picture to a preview's revision, with its file when sent as multipart",
    )
    .answers(Model("PreviewFile"))
    .body(Body::JsonOrMultipart),
    put(
        "/actions/preview-files/{preview}/set-main-preview",
        REVIEWS,
        "Makes a preview its entity's thumbnail",
    )
    .body(Body::None),
    put(
        "/actions/tasks/{task}/set-main-preview",
        REVIEWS,
        "Makes a task's last preview its entity's thumbnail",
    )
    .body(Body::None),
    post(
        "/actions/tasks/{task}/time-spents/{date}/persons/{person}",
        REVIEWS,
        "Sets the time (`duration`, minutes) a person spent on a task on a day",
    )
    .answers(Model("TimeSpent")),
    post(
        "/actions/tasks/{task}/time-spents/{date}/persons/{person}/add",
        REVIEWS,
        "Adds time (`duration`, minutes) a person spent on a task on a day",
    )
    .answers(Model("TimeSpent")),
    get(
        "/actions/tasks/{task}/time-spents",
        REVIEWS,
        "A task's time spent: `total` and the entries by person",
    ),
    get(
        "/actions/tasks/{task}/time-spents/{date}",
        REVIEWS,
        "A task's time spent on a day: `total` and the entries by person",
    ),
    // Attachments.
    post(
        "/actions/tasks/{task}/comments/{comment}/add-attachment",
        REVIEWS,
        "Attaches the file parts to a comment (its author, managers and admins)",
    )
    .answers(List)
    .body(Body::Multipart),
    delete(
        "/data/tasks/{task}/comments/{comment}/attachments/{attachment}",
        REVIEWS,
        "Removes an attachment and its file (the comment's author, managers and admins)",
    ),
    get(
        "/data/attachment-files/{attachment}/file/{name}",
        FILES,
        "An attachment's file (pictures inline, anything else as a download)",
    )
    .answers(File("application/octet-stream")),
    get(
        "/pictures/thumbnails/attachment-files/{file}",
        FILES,
        "The 150×150 thumbnail of a picture attachment (`{id}.png`)",
    )
    .answers(File("image/png")),
    get(
        "/data/tasks/{task}/attachment-files",
        FILES,
        "Every attachment of a task's comments",
    )
    .answers(Models("AttachmentFile"))
    .role(Admin),
    get(
        "/data/projects/{project}/attachment-files",
        FILES,
        "Every attachment of a project's comments",
    )
    .answers(Models("AttachmentFile"))
    .role(Admin),
    // Preview and avatar files.
    post(
        "/pictures/preview-files/{preview}",
        FILES,
        "Uploads a preview's picture, movie or \
        review file; the server makes its thumbnails",
    )
    .answers(Model("PreviewFile"))
    .body(Body::Multipart),
    post(
        "/pictures/thumbnails/persons/{file}",
        FILES,
        "Uploads a person's avatar \
        (`{id}.png`; the person or an admin)",
    )
    .answers(Model("Person"))
    .body(Body::Multipart)
    .status(200),
    get(
        "/pictures/thumbnails/persons/{file}",
        FILES,
        "A person's 150×150 avatar (`{id}.png`)",
    )
    .answers(File("image/png")),
    get(
        "/pictures/{kind}/preview-files/{file}",
        FILES,
        "A preview's picture at a size \
        (`{id}.png`)",
    )
    .answers(File("image/png"))
    .only(
        "kind",
        &["originals", "thumbnails", "thumbnails-square", "previews"],
    ),
    get(
        "/movies/{quality}/preview-files/{file}",
        FILES,
        "A movie preview (`{id}.mp4`)",
    )
    .answers(File("video/mp4"))
    .only("quality", &["originals", "low"]),
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
        `asset_type_id`; `priority`)",
    )
    .answers(Model("Project"))
    .role(Manager)
    .only("setting", &["task-types", "task-status", "asset-types"]),
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
    get("/data/user/tasks", PEOPLE, "The person's tasks to do").answers(Models("Task")),
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
];
