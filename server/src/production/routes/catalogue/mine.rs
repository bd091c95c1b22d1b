//! What a person works on: gazu's `user` module.

use super::Answer::{Models, Object};
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
    get(
        "/data/user/time-spents",
        PEOPLE,
        "The person's time spent between `start_date` and `end_date`, each with its task's \
        project and type",
    )
    .answers(Models("TimeSpent")),
    get(
        "/data/user/tasks/{task}/time-spents/{date}",
        PEOPLE,
        "The person's time on the task that day (`{}` when none)",
    )
    .answers(Object),
    get(
        "/data/user/day-offs/{date}",
        PEOPLE,
        "The person's day off covering that date (`{}` when none)",
    )
    .answers(Object),
    get(
        "/data/persons/{person}/time-spents",
        PEOPLE,
        "A person's time spent between `start_date` and `end_date` (their own, or anyone's \
        for supervisors and above)",
    )
    .answers(Models("TimeSpent")),
    get(
        "/data/persons/{person}/time-spents/{date}",
        PEOPLE,
        "A person's time spent that day",
    )
    .answers(Models("TimeSpent")),
];
