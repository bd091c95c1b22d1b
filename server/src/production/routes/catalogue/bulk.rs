//! The batch actions of Kitsu's lists, and the episode statistics.

use super::Answer::{List, Models, Object};
use super::{BREAKDOWN, Op, REVIEWS, delete, get, post, put};
use crate::production::routes::bulk::SINGULAR_CREATIONS;
use drover_shared::Role::{Artist, Manager, Supervisor, Vendor};

pub(super) static OPS: &[Op] = &[
    post(
        "/actions/projects/{project}/delete-entities",
        BREAKDOWN,
        "Deletes the listed assets, shots, edits and concepts (a bare list of ids): one with \
        tasks is canceled first, removed with its tasks when deleted again or with \
        `force=true`; answers the ids acted on",
    )
    .answers(super::Answer::Strings)
    .status(200)
    .role(Manager),
    post(
        "/actions/projects/{project}/delete-tasks",
        BREAKDOWN,
        "Deletes the listed tasks of the project (a bare list of ids) with their comments and \
        previews; answers the ids deleted",
    )
    .answers(super::Answer::Strings)
    .status(200)
    .role(Manager),
    delete(
        "/actions/projects/{project}/task-types/{task_type}/delete-tasks",
        BREAKDOWN,
        "Deletes every task of this type in the project",
    )
    .role(Manager),
    post(
        "/actions/projects/{project}/task-types/{task_type}/create-tasks/{entity_type}",
        BREAKDOWN,
        "Makes a `main` task of this type on the listed episodes or sequences (a bare list of \
        ids; none: all of them)",
    )
    .answers(Models("Task"))
    .role(Supervisor)
    .only("entity_type", SINGULAR_CREATIONS),
    post(
        "/data/entities/{entity}/tasks",
        BREAKDOWN,
        "Makes a `main` task of each type in `task_type_ids` on the entity",
    )
    .answers(Models("Task"))
    .role(Supervisor),
    post(
        "/actions/tasks/{task}/comments/{comment}/move",
        REVIEWS,
        "Moves a comment to another task of the same entity (`target_task_id`)",
    )
    .answers(super::Answer::Model("Comment"))
    .status(200)
    .role(Manager),
    post(
        "/actions/projects/{project}/tasks/comment-many",
        REVIEWS,
        "Posts a comment on each listed task: `[{object_id, task_status_id, comment}]`",
    )
    .answers(Models("Comment"))
    .role(Vendor),
    put(
        "/actions/tasks/set-main-preview",
        REVIEWS,
        "Makes each listed task's last preview its entity's thumbnail (`task_ids`)",
    )
    .answers(List)
    .role(Vendor),
    delete(
        "/actions/tasks/{task}/comments/{comment}/preview-files/{preview}",
        REVIEWS,
        "Takes a preview off a comment's revision",
    )
    .role(Artist),
    post(
        "/actions/projects/{project}/task-types/{task_type}/set-shot-nb-frames",
        BREAKDOWN,
        "Sets each shot's frame count from its newest movie of this task type \
        (`episode_id` narrows to one episode)",
    )
    .answers(List)
    .status(200)
    .role(Manager),
    get(
        "/data/projects/{project}/episodes/stats",
        BREAKDOWN,
        "Task counts, frames and drawings by episode, task type and status, with totals",
    )
    .answers(Object),
    get(
        "/data/projects/{project}/episodes/retake-stats",
        BREAKDOWN,
        "Done, retake and other task counts by episode and task type, take by take",
    )
    .answers(Object),
    get(
        "/data/entities/{entity}/preview-files",
        REVIEWS,
        "Every preview of the entity's tasks, by task type, newest revision first",
    )
    .answers(Models("PreviewFile")),
    get(
        "/data/entities/{entity}/entities-linked/with-tasks",
        BREAKDOWN,
        "The entities linked to this one by their concept links (an asset's concepts), each \
        with its tasks and their assignees",
    )
    .answers(List),
    get(
        "/data/shots/{shot}/versions",
        BREAKDOWN,
        "The shot's earlier names and frame ranges (`ShotVersion`), newest first: one is kept \
        when an update changes either, a person's burst of changes folded into one",
    )
    .answers(List),
    get(
        "/data/edits/{edit}/versions",
        BREAKDOWN,
        "The edit's earlier names and frame ranges (`EditVersion`), newest first",
    )
    .answers(List),
];
