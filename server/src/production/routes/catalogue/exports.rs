//! Kitsu's casting and playlist CSV exports, a person's quota shots over a week, month or
//! year, sharing assets across productions, and a team member's production role.

use super::Answer::{File, List, Models};
use super::{BREAKDOWN, Op, PEOPLE, PROJECTS, REVIEWS, get, post, put};
use drover_shared::Role::Manager;

pub(super) static OPS: &[Op] = &[
    get(
        "/export/csv/projects/{project}/casting.csv",
        PROJECTS,
        "A production's casting as Kitsu's CSV: assets' casting, or shots' with \
        `is_shot_casting=true`, of one episode of a TV show (`episode_id`: an id, `main` for \
        the main pack, `all` for the episodes' own casting); the production's team and \
        admins, not vendors",
    )
    .answers(File("text/csv")),
    get(
        "/export/csv/playlists/{playlist}",
        REVIEWS,
        "A playlist as Kitsu's CSV: each entry's name, frames, task type, retakes, revision, \
        status and last comment; admins, and the production's managers and supervisors \
        (clients: the playlists shared with them)",
    )
    .answers(File("text/csv")),
    get(
        "/data/persons/{person}/quota-shots/week/{year}/{week}",
        PEOPLE,
        "The shots counted in a person's quotas in an ISO week, each with its `full_name` and \
        `weight` (`project_id`, `task_type_id`, `count_mode`); the person or an admin, or \
        with `project_id` the production's supervisors and managers",
    )
    .answers(List),
    get(
        "/data/persons/{person}/quota-shots/month/{year}/{month}",
        PEOPLE,
        "The shots counted in a person's quotas in a month",
    )
    .answers(List),
    get(
        "/data/persons/{person}/quota-shots/year/{year}",
        PEOPLE,
        "The shots counted in a person's quotas in a year",
    )
    .answers(List),
    post(
        "/actions/projects/{project}/assets/share",
        BREAKDOWN,
        "Shares (or, with `is_shared: false`, unshares) a production's assets, or those of \
        `asset_ids`, with the other productions (the production's managers and admins)",
    )
    .answers(Models("Asset"))
    .status(200)
    .role(Manager),
    post(
        "/actions/assets/share",
        BREAKDOWN,
        "Shares or unshares the assets of `asset_ids`, of productions the person manages",
    )
    .answers(Models("Asset"))
    .status(200)
    .role(Manager),
    put(
        "/data/projects/{project}/team/{person}",
        PROJECTS,
        "Sets a team member's production role (`role`: user, supervisor, manager, client, \
        vendor; null: their studio role), which may narrow their studio role but never widen \
        it; answers `{project_id, person_id, role}` (the production's managers and admins)",
    )
    .role(Manager),
];
