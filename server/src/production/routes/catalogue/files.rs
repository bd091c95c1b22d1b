//! A pipeline's files (output files and working files, as gazu's `files` module reads them),
//! and the pictures of productions and of the studio.

use super::Answer::{File, Model, Models, Object};
use super::{Body, FILES, Op, delete, get, post};
use drover_shared::Role::Admin;

pub(super) static OPS: &[Op] = &[
    get(
        "/data/entities/{entity}/output-files",
        FILES,
        "The entity's own output files, newest revision first; narrowed by the query \
        string's task_type_id, output_type_id, name, representation and file_status_id",
    )
    .answers(Models("OutputFile")),
    get(
        "/data/entities/{entity}/output-files/last-revisions",
        FILES,
        "The last revision of each of the entity's output files (one per task type, output \
        type, name and representation)",
    )
    .answers(Models("OutputFile")),
    post(
        "/data/entities/{entity}/output-files/next-revision",
        FILES,
        "The next revision number of an output file: `{next_revision}` for `output_type_id`, \
        `task_type_id` and `name` (main)",
    )
    .status(200),
    get(
        "/data/asset-instances/{instance}/output-files",
        FILES,
        "The asset instance's output files, newest revision first; narrowed by \
        temporal_entity_id and the output file filters",
    )
    .answers(Models("OutputFile")),
    get(
        "/data/asset-instances/{instance}/entities/{temporal}/output-files/last-revisions",
        FILES,
        "The last revision of each of the instance's output files in the shot or scene",
    )
    .answers(Models("OutputFile")),
    post(
        "/data/asset-instances/{instance}/entities/{temporal}/output-files/next-revision",
        FILES,
        "The next revision number of an instance's output file in the shot or scene",
    )
    .status(200),
    get(
        "/data/asset-instances/{instance}/entities/{temporal}/output-types",
        FILES,
        "The output types the instance has files of in the shot or scene",
    )
    .answers(Models("OutputType")),
    get(
        "/data/tasks/{task}/working-files",
        FILES,
        "The task's working files, newest revision first",
    )
    .answers(Models("WorkingFile")),
    get(
        "/data/tasks/{task}/working-files/last-revisions",
        FILES,
        "The last revision of each of the task's working files, by name",
    )
    .answers(Object),
    get(
        "/data/entities/{entity}/working-files",
        FILES,
        "The entity's working files, newest revision first (`task_id`, `name` narrow it)",
    )
    .answers(Models("WorkingFile")),
    post(
        "/pictures/thumbnails/projects/{file}",
        FILES,
        "Uploads a production's picture (`{id}`; those who may change the project)",
    )
    .answers(Model("Project"))
    .body(Body::Multipart)
    .status(200),
    get(
        "/pictures/thumbnails/projects/{file}",
        FILES,
        "A production's 150×150 picture (`{id}.png`)",
    )
    .answers(File("image/png")),
    post(
        "/pictures/thumbnails/organisations/{file}",
        FILES,
        "Uploads the studio's logo (`{id}`; admins)",
    )
    .answers(Model("Organisation"))
    .body(Body::Multipart)
    .status(200)
    .role(Admin),
    get(
        "/pictures/thumbnails/organisations/{file}",
        FILES,
        "The studio's 150×150 logo (`{id}.png`)",
    )
    .answers(File("image/png")),
    delete(
        "/actions/user/clear-avatar",
        FILES,
        "Takes the person's own avatar away",
    ),
    delete(
        "/actions/persons/{person}/clear-avatar",
        FILES,
        "Takes a person's avatar away (admins)",
    )
    .role(Admin),
    get(
        "/pictures/originals/preview-files/{preview}/download",
        FILES,
        "A preview's original picture or file as a download, under the name Zou gives it",
    )
    .answers(File("application/octet-stream")),
    get(
        "/movies/originals/preview-files/{preview}/download",
        FILES,
        "A movie preview's original as a download, under the name Zou gives it",
    )
    .answers(File("video/mp4")),
];
