//! Playlists in the review room, and the annotations and order of preview files.

use super::Answer::{File, List, Model, Models, Object};
use super::{Op, REVIEWS, delete, get, post, put};
use drover_shared::Role::{Admin, Manager, Supervisor};

pub(super) static OPS: &[Op] = &[
    get(
        "/data/projects/{project}/playlists/{playlist}",
        REVIEWS,
        "One playlist of a project (not for vendors; for clients only when shared with \
        them), each entry of its `shots` with its preview's facts and every preview of its \
        entity by task type (`preview_files`), annotations left out",
    )
    .answers(Model("Playlist")),
    post(
        "/data/projects/{project}/playlists/temp",
        REVIEWS,
        "A throw-away playlist's entries built from tasks (`task_ids`) and entities \
        (`entity_ids`: each its most recently reviewed task with a preview), stored \
        nowhere; `?sort=true` sorts them by episode, sequence, asset type and name",
    )
    .answers(List)
    .status(200),
    post(
        "/actions/playlists/{playlist}/add-entity",
        REVIEWS,
        "Adds an entity (`entity_id`) to a playlist with a preview of its own \
        (`preview_file_id`) or its latest; managers, and the supervisor who made the \
        playlist; answers the playlist",
    )
    .answers(Model("Playlist"))
    .role(Supervisor)
    .status(200),
    post(
        "/actions/playlists/{playlist}/add-entities",
        REVIEWS,
        "Adds entities (`entities`: `[{entity_id, preview_file_id?}]`) to a playlist, \
        each with a preview of its own or its latest, an entity and preview already there \
        once; managers, and the supervisor who made the playlist; answers the playlist",
    )
    .answers(Model("Playlist"))
    .role(Supervisor)
    .status(200),
    put(
        "/actions/preview-files/{preview}/update-annotations",
        REVIEWS,
        "Merges drawings into a preview's annotations (`additions`, `updates`, \
        `deletions`, by `time` and object `id`); managers, clients and the supervisors of \
        the task's department; answers the preview file",
    )
    .answers(Model("PreviewFile")),
    put(
        "/actions/preview-files/{preview}/update-position",
        REVIEWS,
        "Moves a picture to `position` (from 1) among those of its revision; answers them \
        in their new order",
    )
    .answers(Models("PreviewFile")),
    get(
        "/data/playlists/{playlist}/build/mp4",
        REVIEWS,
        "Starts building the playlist's movie (its movie previews one after the other, in the \
        production's frame, with their sound) and answers the running build job; it ends `succeeded` or \
        `failed` (`build-job:update`). One build runs per playlist",
    )
    .answers(Object)
    .role(Manager),
    get(
        "/data/playlists/{playlist}/jobs/{build_job}",
        REVIEWS,
        "One build job of the playlist (`BuildJob`: status, playlist, when made and ended)",
    )
    .answers(Object),
    delete(
        "/data/playlists/{playlist}/jobs/{build_job}",
        REVIEWS,
        "Deletes a build job and its movie",
    )
    .role(Manager),
    get(
        "/data/playlists/{playlist}/jobs/{build_job}/build/mp4",
        REVIEWS,
        "A finished build's movie, as a download",
    )
    .answers(File("video/mp4")),
    get(
        "/data/playlists/{playlist}/download/zip",
        REVIEWS,
        "Every preview of the playlist's entries (each revision's movie, pictures or file, \
        under its download name) as one zip, streamed as it is written (not for vendors; for \
        clients only when shared with them); at most 4 are written at once (429)",
    )
    .answers(File("application/zip")),
    get(
        "/data/projects/{project}/build-jobs",
        REVIEWS,
        "Every build job of the production's playlists, newest first",
    )
    .answers(List)
    .role(Admin),
];
