//! What a person works on: gazu's `user` module.

use super::Answer::Models;
use super::{Op, PEOPLE, get};
use crate::production::routes::mine::{MY_ENTITY_KINDS, MY_SEQUENCE_PATHS};

pub(super) static OPS: &[Op] = &[
    get(
        "/data/user/projects/open",
        PEOPLE,
        "The open projects the person may see (all of them for managers and admins)",
    )
    .answers(Models("Project")),
    get(
        "/data/user/projects/{project}/asset-types",
        PEOPLE,
        "The types of the project's assets the person has a task on",
    )
    .answers(Models("AssetType")),
    get(
        "/data/user/projects/{project}/asset-types/{asset_type}/assets",
        PEOPLE,
        "The project's assets of this type the person has a task on",
    )
    .answers(Models("Asset")),
    get(
        "/data/user/projects/{project}/sequences",
        PEOPLE,
        "The project's sequences with a shot the person has a task on",
    )
    .answers(Models("Sequence")),
    get(
        "/data/user/projects/{project}/episodes",
        PEOPLE,
        "The project's episodes with a shot or an asset the person has a task on",
    )
    .answers(Models("Episode")),
    get(
        "/data/user/sequences/{sequence}/{kind}",
        PEOPLE,
        "The sequence's shots or scenes the person has a task on, or the person's own \
        tasks and task types on it",
    )
    .answers(Models("Entity"))
    .only("kind", MY_SEQUENCE_PATHS),
    get(
        "/data/user/{kind}/{entity}/tasks",
        PEOPLE,
        "The person's own tasks on the entity, in open projects",
    )
    .answers(Models("Task"))
    .only("kind", MY_ENTITY_KINDS),
    get(
        "/data/user/{kind}/{entity}/task-types",
        PEOPLE,
        "The types of the person's own tasks on the entity",
    )
    .answers(Models("TaskType"))
    .only("kind", MY_ENTITY_KINDS),
];
