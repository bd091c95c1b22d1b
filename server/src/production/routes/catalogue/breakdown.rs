//! The breakdown: assets, episodes, sequences, shots, casting and asset instances.

use super::Answer::{List, Model, Models};
use super::{BREAKDOWN, Body, Op, delete, get, post, put};
use crate::production::routes::breakdown::{
    ENTITY_KINDS, PROJECT_CREATIONS, PROJECT_LISTS, TASK_CREATIONS,
};
use drover_shared::Role::{Manager, Supervisor};

pub(super) static OPS: &[Op] = &[
    post(
        "/import/csv/projects/{project}/assets",
        BREAKDOWN,
        "Imports assets from a CSV file (multipart `file`; `Type`, `Name`, and optionally \
        `Episode`, `Description`, `Resolution`, `Ready for`, a column per metadata descriptor \
        and per task type its status, comment and assignations), all rows or none; an \
        existing asset is changed only with `update=true`; answers the rows' assets",
    )
    .body(Body::Multipart)
    .answers(Models("Asset"))
    .role(Manager),
    post(
        "/import/csv/projects/{project}/shots",
        BREAKDOWN,
        "Imports shots from a CSV file (multipart `file`; `Sequence`, `Name`, `Episode` in a TV \
        show, and optionally `Description`, `Frame In`, `Frame Out`, `Nb Frames`, `FPS`, \
        `Resolution`, metadata and task columns), all rows or none, making missing sequences \
        and episodes; answers the rows' shots",
    )
    .body(Body::Multipart)
    .answers(Models("Shot"))
    .role(Manager),
    post(
        "/import/csv/projects/{project}/edits",
        BREAKDOWN,
        "Imports edits from a CSV file (multipart `file`; `Name`, and optionally `Episode` \
        in a TV show, `Description`, metadata columns and per task type its status and \
        comment), all rows or none; an existing edit is changed only with `update=true`; \
        answers the rows' edits",
    )
    .body(Body::Multipart)
    .answers(Models("Edit"))
    .role(Manager),
    post(
        "/import/csv/projects/{project}/casting",
        BREAKDOWN,
        "Imports casting from a CSV file (multipart `file`; the target by `Parent` and \
        `Name`, and `Episode` in a TV show; the asset by `Asset Type` and `Asset`; \
        `Occurences`, `Label`), all rows or none; answers the links as \
        `{entity_in_id, entity_out_id, nb_occurences, label}`",
    )
    .body(Body::Multipart)
    .answers(List)
    .role(Manager),
    post(
        "/import/csv/projects/{project}/task-types/{task_type}/estimations",
        BREAKDOWN,
        "Imports a task type's estimations from a CSV file (multipart `file`; `Parent`, \
        `Entity`, and optionally `Estimation` in the unit Kitsu shows, `Drawings`, \
        `Start date`, `Due date`, `Difficulty`, metadata columns), all rows or none; \
        managers, and supervisors of the task type's department on the team; answers the \
        tasks",
    )
    .body(Body::Multipart)
    .answers(Models("Task"))
    .role(Supervisor),
    post(
        "/import/csv/projects/{project}/episodes/{episode}/task-types/{task_type}/estimations",
        BREAKDOWN,
        "Imports a task type's estimations for the episode's assets or shots (`main` or \
        `all`: every one), as the production-wide import",
    )
    .body(Body::Multipart)
    .answers(Models("Task"))
    .role(Supervisor),
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
    post(
        "/actions/projects/{project}/task-types/{task_type}/{kind}/create-tasks",
        BREAKDOWN,
        "Makes a task of this type (`main`, in the default status) on every entity of the \
        kind in the project, or on those the body lists (a bare list of ids, as Kitsu sends, \
        or `{entity_ids}`), skipping those that have one; answers the tasks made",
    )
    .answers(Models("Task"))
    .role(Supervisor)
    .only("kind", TASK_CREATIONS),
    get(
        "/data/projects/{project}/{kind}",
        BREAKDOWN,
        "The project's rows of this kind (filters from the query string); comments, \
        previews, subscriptions, notifications and entity links are read through its tasks \
        and entities",
    )
    .answers(List)
    .only("kind", PROJECT_LISTS),
    post(
        "/data/projects/{project}/{kind}",
        BREAKDOWN,
        "Creates an episode, sequence, shot, scene, edit or concept by name (`episode_id`, \
         `sequence_id`, `nb_frames`, `data`), or answers the one that exists",
    )
    .role(Supervisor)
    .only("kind", PROJECT_CREATIONS),
    get(
        "/data/edits/all",
        BREAKDOWN,
        "Every edit the person may see (filters from the query string)",
    )
    .answers(Models("Edit")),
    get(
        "/data/scenes/all",
        BREAKDOWN,
        "Every scene the person may see (filters from the query string)",
    )
    .answers(Models("Scene")),
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
        "/data/assets/with-tasks",
        BREAKDOWN,
        "A production's assets with their tasks (`project_id`, `episode_id`; `stream=true` \
        answers NDJSON, `compact=true` a header of field names then an array per asset)",
    )
    .answers(List),
    get(
        "/data/shots/with-tasks",
        BREAKDOWN,
        "A production's shots with their tasks, sequence and episode names (`project_id`, \
        `episode_id`; `stream=true` answers NDJSON, `compact=true` arrays after a header)",
    )
    .answers(List),
    get(
        "/data/sequences/with-tasks",
        BREAKDOWN,
        "A production's sequences with their tasks (`project_id`, `episode_id`)",
    )
    .answers(List),
    get(
        "/data/episodes/with-tasks",
        BREAKDOWN,
        "A production's episodes with their tasks (`project_id`)",
    )
    .answers(List),
    get(
        "/data/edits/with-tasks",
        BREAKDOWN,
        "A production's edits with their tasks (`project_id`, `episode_id`)",
    )
    .answers(List),
    get(
        "/data/concepts/with-tasks",
        BREAKDOWN,
        "A production's concepts with their tasks (`project_id`)",
    )
    .answers(List),
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
    .only("kind", ENTITY_KINDS),
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
        "/data/projects/{project}/episodes/casting",
        BREAKDOWN,
        "The casting of each of the project's episodes, by episode id; not for vendors",
    ),
    get(
        "/data/projects/{project}/asset-types/{asset_type}/casting",
        BREAKDOWN,
        "The casting of each of the project's assets of this type, by asset id; not for \
        vendors",
    ),
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
    get(
        "/data/scenes/{scene}/shots",
        BREAKDOWN,
        "The shots made from the layout scene",
    )
    .answers(Models("Shot")),
    get(
        "/data/sequences/{sequence}/scenes",
        BREAKDOWN,
        "The sequence's layout scenes, by name",
    )
    .answers(Models("Scene")),
    get(
        "/data/scenes/{scene}/asset-instances",
        BREAKDOWN,
        "The asset instances placed in the layout scene, by asset id",
    ),
    get(
        "/data/scenes/{scene}/camera-instances",
        BREAKDOWN,
        "The camera instances placed in the layout scene, by asset id",
    ),
    get(
        "/data/assets/{asset}/shot-asset-instances",
        BREAKDOWN,
        "The asset's instances cast in shots, by shot id",
    ),
    get(
        "/data/assets/{asset}/scene-asset-instances",
        BREAKDOWN,
        "The asset's instances placed in layout scenes, by scene id",
    ),
    post(
        "/data/scenes/{scene}/shots",
        BREAKDOWN,
        "Makes the scene the source of a shot \
        (`shot_id`)",
    )
    .answers(Model("Shot"))
    .status(200)
    .role(Supervisor),
];
