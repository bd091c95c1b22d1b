//! The lists gazu reads around one entity, task or person.

use super::Answer::{List, Models, Object};
use super::{BREAKDOWN, Op, REVIEWS, get};
use crate::production::routes::breakdown::ENTITY_KINDS;
use crate::production::routes::related::{PREVIEWED_KINDS, SHOT_PARENTS};

pub(super) static OPS: &[Op] = &[
    get(
        "/data/{kind}/{entity}/task-types",
        BREAKDOWN,
        "The task types the entity has tasks of, by priority and name",
    )
    .answers(Models("TaskType"))
    .only("kind", ENTITY_KINDS),
    get(
        "/data/entities/{entity}/task-types/{task_type}/tasks",
        BREAKDOWN,
        "The entity's tasks of one type, with their names",
    )
    .answers(Models("Task")),
    get(
        "/data/{kind}/{entity}/shot-tasks",
        BREAKDOWN,
        "The tasks of every shot under the sequence or episode (`relations=true` adds \
        assignees); not for vendors",
    )
    .answers(Models("Task"))
    .only("kind", SHOT_PARENTS),
    get(
        "/data/episodes/{episode}/asset-tasks",
        BREAKDOWN,
        "The tasks of the assets made for the episode; not for vendors",
    )
    .answers(Models("Task")),
    get(
        "/data/episodes/{episode}/shots",
        BREAKDOWN,
        "The shots of the episode's sequences, with their sequence's and project's names",
    )
    .answers(Models("Shot")),
    get(
        "/data/shots/{shot}/assets",
        BREAKDOWN,
        "The assets cast in the shot, as its casting lists them",
    )
    .answers(List),
    get(
        "/data/shots/{shot}/asset-types",
        BREAKDOWN,
        "The types of the assets cast in the shot",
    )
    .answers(Models("AssetType")),
    get(
        "/data/tasks/{task}/previews",
        REVIEWS,
        "The task's preview files, newest revision first (clients do not see rejected ones)",
    )
    .answers(Models("PreviewFile")),
    get(
        "/data/{kind}/{entity}/preview-files",
        REVIEWS,
        "The entity's previews by task type: `{task_type_id: [previews]}`, newest first",
    )
    .answers(Object)
    .only("kind", PREVIEWED_KINDS),
    get(
        "/data/playlists/entities/{entity}/preview-files",
        REVIEWS,
        "The previews of an entity of any kind by task type, as the review room offers \
        them: `{task_type_id: [previews]}`",
    )
    .answers(Object),
    get(
        "/data/persons/{person}/tasks",
        REVIEWS,
        "The person's unfinished tasks in open projects, as far as the caller may see them \
        (vendors: their own only; clients: none)",
    )
    .answers(Models("Task")),
    get(
        "/data/persons/{person}/done-tasks",
        REVIEWS,
        "The person's finished tasks in open projects, as far as the caller may see them",
    )
    .answers(Models("Task")),
    get(
        "/data/playlists/preview-files/running",
        REVIEWS,
        "The preview files still being processed, oldest first (admins)",
    )
    .answers(Models("PreviewFile"))
    .role(drover_shared::Role::Admin),
];
