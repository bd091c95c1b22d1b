-- Files attached to comments (Kitsu's attachment files). The file itself is stored under
-- production/attachments/<id> in the data dir, written before its row is committed, so a row
-- never names a file that is not there; pictures also get a 150×150 thumbnail beside it.
CREATE TABLE prod_attachment_file (
    id              UUID PRIMARY KEY,
    name            TEXT NOT NULL CHECK (name <> ''),
    size            INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0),
    extension       TEXT NOT NULL DEFAULT '',
    mimetype        TEXT NOT NULL DEFAULT 'application/octet-stream',
    comment_id      UUID REFERENCES prod_comment (id) ON DELETE CASCADE,
    reply_id        UUID,
    chat_message_id UUID REFERENCES prod_chat_message (id) ON DELETE CASCADE,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    -- A comment's attachments have distinct names, as in Kitsu (a clash gets a suffix).
    UNIQUE (comment_id, name)
);
CREATE INDEX prod_attachment_file_chat_message ON prod_attachment_file (chat_message_id);
