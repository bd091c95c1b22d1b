//! Entity chats, an entity's news, the admin's logs, the global search and the People CSV.

use super::Answer::{File, List, Model, Models};
use super::{Body, Op, PEOPLE, PROJECTS, delete, get, post};
use drover_shared::Role::Manager;

pub(super) static OPS: &[Op] = &[
    get(
        "/data/entities/{entity}/chat",
        PROJECTS,
        "An entity's chat with its participants and messages (made the first time it is \
        opened); vendors reach only the entities they hold a task on",
    )
    .answers(Model("Chat")),
    get(
        "/data/entities/{entity}/chat/messages",
        PROJECTS,
        "An entity's chat messages, oldest first (the latest 1000)",
    )
    .answers(Models("ChatMessage")),
    post(
        "/data/entities/{entity}/chat/messages",
        PROJECTS,
        "Posts a message (`message`) in an entity's chat the person joined",
    )
    .body(Body::JsonOrMultipart)
    .answers(Model("ChatMessage")),
    get(
        "/data/entities/{entity}/chat/messages/{message}",
        PROJECTS,
        "One message of an entity's chat",
    )
    .answers(Model("ChatMessage")),
    delete(
        "/data/entities/{entity}/chat/messages/{message}",
        PROJECTS,
        "Deletes a chat message: its author's, or any for admins",
    ),
    post(
        "/actions/user/chats/{entity}/join",
        PEOPLE,
        "Joins an entity's chat; answers the chat",
    )
    .status(200)
    .answers(Model("Chat")),
    delete(
        "/actions/user/chats/{entity}/join",
        PEOPLE,
        "Leaves an entity's chat",
    ),
    get(
        "/data/user/chats",
        PEOPLE,
        "The chats the person joined in open projects, with the entity's name",
    )
    .answers(Models("Chat")),
    get(
        "/data/entities/{entity}/news",
        PROJECTS,
        "An entity's news, as a production's feed (`{data, total, stats}`)",
    ),
    get(
        "/data/events/last",
        PEOPLE,
        "The event log, newest first (`after`, `before`, `limit` up to 1000, \
        `cursor_event_id`, `project_id`, `only_files`, `person_ids`, `name_prefixes`, \
        `name_suffixes`); managers read their projects' events only",
    )
    .answers(List)
    .role(Manager),
    get("/data/events/names", PEOPLE, "The event names in the log")
        .answers(super::Answer::Strings)
        .role(Manager),
    get(
        "/data/events/login-logs/last",
        PEOPLE,
        "The log-ins of the sessions open, newest first (`after`, `before`, `limit`, \
        `cursor_login_log_id`, `person_ids`); admins only",
    )
    .answers(List)
    .role(drover_shared::Role::Admin),
    post(
        "/data/search",
        PEOPLE,
        "Searches assets, shots and people by name (`query` of 3 characters or more, \
        `limit` up to 50, `offset`, `index_names`, `project_id`) in the open projects the \
        person is on",
    )
    .status(200),
    get(
        "/export/csv/persons.csv",
        PEOPLE,
        "The studio's people as Kitsu's CSV",
    )
    .answers(File("text/csv"))
    .role(Manager),
];
