//! Reviews (tasks, comments, previews, time spent), attachments, and preview and avatar files.

use super::Answer::{self, File, List, Model, Models};
use super::{Body, FILES, Op, REVIEWS, delete, get, post, put};
use drover_shared::Role::{Admin, Supervisor, Vendor};

pub(super) static OPS: &[Op] = &[
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
    put(
        "/actions/tasks/clear-assignation",
        REVIEWS,
        "Takes a person (`person_id`), or everyone, off tasks (`task_ids`); answers the \
        ids of the tasks the caller could unassign (anyone may take themselves off)",
    )
    .answers(List)
    .role(Vendor),
    put(
        "/actions/tasks/set-priority",
        REVIEWS,
        "Sets the priority (`priority`, from 0) of tasks (`task_ids`); answers the tasks \
        the caller could change",
    )
    .answers(Models("Task"))
    .role(Supervisor),
    get(
        "/data/user/tasks/{task}/subscribed",
        REVIEWS,
        "Whether the person follows a task's comments: `true` or `false`",
    )
    .answers(Answer::Bool),
    post(
        "/actions/user/tasks/{task}/subscribe",
        REVIEWS,
        "The person follows a task's comments",
    )
    .answers(Model("Subscription")),
    delete(
        "/actions/user/tasks/{task}/unsubscribe",
        REVIEWS,
        "The person stops following a task's comments",
    ),
    post(
        "/actions/user/tasks/subscribe",
        REVIEWS,
        "The person follows the comments of tasks (`task_ids`), all or none",
    )
    .answers(Models("Subscription")),
    post(
        "/actions/user/tasks/unsubscribe",
        REVIEWS,
        "The person stops following the comments of tasks (`task_ids`); answers the ids",
    )
    .answers(List)
    .status(200),
    post(
        "/actions/tasks/{task}/comment",
        REVIEWS,
        "Comments on a task and sets its status \
        (`task_status_id`, `comment`, `checklist`, `links`, `person_id`, `created_at`); as \
        multipart, the file parts become attachments",
    )
    .answers(Model("Comment"))
    .body(Body::JsonOrMultipart)
    .role(Vendor),
    post(
        "/actions/tasks/{task}/comments/{comment}/add-preview",
        REVIEWS,
        "Adds a preview \
        revision to a comment (`revision`), waiting for its file",
    )
    .answers(Model("PreviewFile"))
    .role(Vendor),
    post(
        "/actions/tasks/{task}/comments/{comment}/preview-files/{preview}",
        REVIEWS,
        "Adds another picture to a preview's revision, with its file when sent as multipart",
    )
    .answers(Model("PreviewFile"))
    .body(Body::JsonOrMultipart)
    .role(Vendor),
    put(
        "/actions/preview-files/{preview}/set-main-preview",
        REVIEWS,
        "Makes a preview its entity's thumbnail",
    )
    .body(Body::None)
    .role(Vendor),
    put(
        "/actions/tasks/{task}/set-main-preview",
        REVIEWS,
        "Makes a task's last preview its entity's thumbnail",
    )
    .body(Body::None)
    .role(Vendor),
    post(
        "/actions/tasks/{task}/time-spents/{date}/persons/{person}",
        REVIEWS,
        "Sets the time (`duration`, minutes) a person spent on a task on a day",
    )
    .answers(Model("TimeSpent"))
    .role(Vendor),
    delete(
        "/actions/tasks/{task}/time-spents/{date}/persons/{person}",
        REVIEWS,
        "Removes the time a person spent on a task on a day (the person, managers and \
        admins); answers the removed entry, its duration 0, with 201 as Kitsu",
    )
    .answers(Model("TimeSpent"))
    .status(201)
    .role(Vendor),
    post(
        "/actions/tasks/{task}/time-spents/{date}/persons/{person}/add",
        REVIEWS,
        "Adds time (`duration`, minutes) a person spent on a task on a day",
    )
    .answers(Model("TimeSpent"))
    .role(Vendor),
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
    delete(
        "/data/tasks/{task}/comments/{comment}",
        REVIEWS,
        "Deletes a comment with its previews and attachments (its author, managers and \
        admins); the task's status and dates follow the comments left",
    )
    .role(Vendor),
    post(
        "/data/tasks/{task}/comments/{comment}/ack",
        REVIEWS,
        "Acknowledges a comment as the caller, or takes the acknowledgement back when it \
        is there; answers the comment with its `acknowledgements`",
    )
    .answers(Model("Comment"))
    .status(200),
    post(
        "/data/tasks/{task}/comments/{comment}/reply",
        REVIEWS,
        "Replies to a comment (`text`); as multipart, the file parts are attached to the \
        reply. Answers the reply",
    )
    .answers(Answer::Object)
    .body(Body::JsonOrMultipart)
    .status(200)
    .role(Vendor),
    delete(
        "/data/tasks/{task}/comments/{comment}/reply/{reply}",
        REVIEWS,
        "Removes a reply and its attachments (its author and admins); answers the comment",
    )
    .answers(Model("Comment"))
    .status(200)
    .role(Vendor),
    // Attachments.
    post(
        "/actions/tasks/{task}/comments/{comment}/add-attachment",
        REVIEWS,
        "Attaches the file parts to a comment (its author, managers and admins)",
    )
    .answers(List)
    .body(Body::Multipart)
    .role(Vendor),
    delete(
        "/data/tasks/{task}/comments/{comment}/attachments/{attachment}",
        REVIEWS,
        "Removes an attachment and its file (the comment's author, managers and admins)",
    )
    .role(Vendor),
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
    .body(Body::Multipart)
    .role(Vendor),
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
];
