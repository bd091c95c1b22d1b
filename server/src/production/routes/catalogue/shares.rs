//! Playlists shared with people outside the studio: the managers' share links and client
//! notices, and the guest pages, which a link's token opens without a session.

use super::Answer::{File, List, Model, Object};
use super::{Body, Op, REVIEWS, delete, get, post, put};
use drover_shared::Role::Manager;

/// The guest pages' group in the document.
const SHARED: &str = "kitsu: shared playlists";

/// The managers' routes (behind the token check and the role gate).
pub(super) static OPS: &[Op] = &[
    get(
        "/data/playlists/{playlist}/share",
        REVIEWS,
        "The playlist's active share links (`token`, `expiration_date`, `can_comment`, \
        `has_password`; never the password); managers and admins",
    )
    .answers(List)
    .role(Manager),
    post(
        "/data/playlists/{playlist}/share",
        REVIEWS,
        "A new share link to the playlist `{expiration_date?, can_comment?, password?}`: a \
        random token of 256 bits; a date-only expiry lasts the whole day; the password is \
        kept as an argon2 hash; managers and admins",
    )
    .role(Manager),
    delete(
        "/data/playlists/{playlist}/share/{token}",
        REVIEWS,
        "Revokes a share link of the playlist (kept, inactive); answers it",
    )
    .answers(Object)
    .status(200)
    .role(Manager),
    post(
        "/data/playlists/{playlist}/share/{token}/invite",
        REVIEWS,
        "Would e-mail the link (`{emails, person_ids, message}`): this server sends no \
        e-mail, so it answers 409 once the link is found; copy the link instead",
    )
    .status(409)
    .role(Manager),
    post(
        "/data/playlists/{playlist}/notify-clients",
        REVIEWS,
        "Tells the clients of the playlist's production (of `studio_id`, of `department_id` \
        when given) that it is ready: a `playlist-ready` notification each; managers and \
        admins",
    )
    .status(200)
    .role(Manager),
];

/// The guest pages: public, opened by the link's token alone (`?password=` too where the
/// link has one, on the playlist, its context and its comments), every answer limited to
/// the link's playlist. Wrong, expired and revoked tokens answer 404; guesses are throttled.
pub(super) static PUBLIC: &[Op] = &[
    get(
        "/shared/playlists/{token}",
        SHARED,
        "The shared playlist: each entry at the revision it positions, with its entity's \
        and parent's names and its task type and status colours",
    )
    .answers(Model("Playlist")),
    get(
        "/shared/playlists/{token}/context",
        SHARED,
        "The production (name, fps, ratio, resolution), its task types and task statuses",
    ),
    post(
        "/shared/playlists/{token}/guest",
        SHARED,
        "A guest identity `{first_name, last_name, guest_id?}`: the link's guest named by \
        `guest_id` (200) or by these names, or a new one (201)",
    )
    .answers(Model("Person")),
    get(
        "/shared/playlists/{token}/comments",
        SHARED,
        "The comments of the shown tasks that clients read: written for the client or by \
        guests",
    )
    .answers(List),
    post(
        "/shared/playlists/{token}/comments",
        SHARED,
        "A guest's comment `{guest_id, task_id, task_status_id, text, checklist?}` on a task \
        the link shows, with a status clients may set",
    )
    .answers(Model("Comment")),
    put(
        "/shared/playlists/{token}/comments/{comment}",
        SHARED,
        "A guest edits their own comment `{guest_id, text?, checklist?, task_status_id?}`",
    )
    .answers(Model("Comment")),
    delete(
        "/shared/playlists/{token}/comments/{comment}",
        SHARED,
        "A guest removes their own comment (`?guest_id=`)",
    ),
    post(
        "/shared/playlists/{token}/comments/{comment}/attachments",
        SHARED,
        "Files (multipart, `guest_id` as a field or in the query) added to a guest's own \
        comment; answers the comment",
    )
    .body(Body::Multipart)
    .answers(Model("Comment")),
    delete(
        "/shared/playlists/{token}/comments/{comment}/attachments/{attachment}",
        SHARED,
        "A file of a guest's own comment removed (`?guest_id=`)",
    ),
    delete(
        "/shared/playlists/{token}/attachments/{attachment}",
        SHARED,
        "A file of a guest's own comment removed (`?guest_id=`), as Kitsu's page asks",
    ),
    get(
        "/shared/playlists/{token}/attachment-files/{attachment}/file/{name}",
        SHARED,
        "A file attached to a comment the link shows",
    )
    .answers(File("application/octet-stream")),
    put(
        "/shared/playlists/{token}/annotations",
        SHARED,
        "A guest's drawings on a preview the link shares `{guest_id, preview_file_id, \
        additions, updates, deletions}`; answers the preview file",
    )
    .answers(Model("PreviewFile")),
    get(
        "/shared/playlists/{token}/preview-files/{preview}",
        SHARED,
        "A preview file the link shares",
    )
    .answers(Model("PreviewFile")),
    get(
        "/shared/playlists/{token}/preview-files/{preview}/download",
        SHARED,
        "A shared preview's original, as a download",
    )
    .answers(File("application/octet-stream")),
    get(
        "/shared/playlists/{token}/pictures/thumbnails/preview-files/{file}",
        SHARED,
        "A shared preview's thumbnail (`{id}.png`)",
    )
    .answers(File("image/png")),
    get(
        "/shared/playlists/{token}/pictures/originals/preview-files/{file}",
        SHARED,
        "A shared preview's original picture or file (`{id}.{extension}`)",
    )
    .answers(File("application/octet-stream")),
    get(
        "/shared/playlists/{token}/movies/originals/preview-files/{file}",
        SHARED,
        "A shared preview's movie (`{id}.mp4`)",
    )
    .answers(File("video/mp4")),
    get(
        "/shared/playlists/{token}/pictures/thumbnails/persons/{file}",
        SHARED,
        "The avatar of a person whose comment or reply the link's page shows",
    )
    .answers(File("image/png")),
];
