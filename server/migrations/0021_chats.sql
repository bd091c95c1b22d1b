-- Entity chats (Kitsu's chat panel): who joined each chat, one chat per entity, messages
-- read in order; and the production's event log that the admin's Logs page reads.

-- The people who joined a chat: only they may post in it, and `/data/user/chats` lists
-- the chats a person joined. A rowid table: the store's update hook sees its changes.
CREATE TABLE prod_chat_participant (
    chat_id   UUID NOT NULL REFERENCES prod_chat (id) ON DELETE CASCADE,
    person_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (chat_id, person_id)
);
CREATE INDEX prod_chat_participant_person ON prod_chat_participant (person_id);

-- One chat per entity, made the first time someone opens it.
CREATE UNIQUE INDEX prod_chat_object ON prod_chat (object_id);
CREATE INDEX prod_chat_message_chat ON prod_chat_message (chat_id, created_at);

-- The live events production writes sent (Zou's `ApiEvent`), newest last, so the Logs page
-- can page through them; only the latest rows are kept (db::events::KEPT). Not a `prod_`
-- table: writing the log must not make the store drop its cached production lists.
CREATE TABLE api_event_log (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL,
    user_id    UUID,
    project_id UUID,
    data       JSON NOT NULL DEFAULT '{}',
    created_at DATETIME NOT NULL
);
CREATE INDEX api_event_log_created ON api_event_log (created_at);
