-- Playlists shared with people outside the studio (Kitsu's share links): a random token opens
-- one playlist to guests, until it expires or is revoked, with an optional password (stored
-- as an argon2 hash) and whether guests may comment. Guests themselves are rows of `users`
-- (`is_guest`, role 'client', `data.share_link_id` naming the link that made them).
CREATE TABLE prod_playlist_share_link (
    id              UUID PRIMARY KEY,
    token           TEXT NOT NULL UNIQUE CHECK (length(token) >= 22),
    playlist_id     UUID NOT NULL REFERENCES prod_playlist (id) ON DELETE CASCADE,
    created_by      UUID REFERENCES users (id) ON DELETE SET NULL,
    expiration_date DATETIME,
    is_active       BOOLEAN NOT NULL DEFAULT 1,
    can_comment     BOOLEAN NOT NULL DEFAULT 1,
    password_hash   TEXT,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX prod_playlist_share_link_playlist ON prod_playlist_share_link (playlist_id, is_active);
CREATE INDEX users_guest_link ON users (json_extract(data, '$.share_link_id')) WHERE is_guest;

-- Clients hear that a playlist is ready for them (Kitsu's `playlist-ready` notifications):
-- the notification table is rebuilt to take that type (SQLite cannot change a CHECK).
CREATE TABLE prod_notification_new (
    id          UUID PRIMARY KEY,
    read        BOOLEAN NOT NULL DEFAULT 0,
    change      BOOLEAN NOT NULL DEFAULT 0,
    type        TEXT NOT NULL
                CHECK (type IN ('comment', 'mention', 'assignation', 'reply', 'reply-mention',
                                'playlist-ready')),
    person_id   UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    author_id   UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    comment_id  UUID REFERENCES prod_comment (id) ON DELETE CASCADE,
    task_id     UUID REFERENCES prod_task (id) ON DELETE CASCADE,
    playlist_id UUID REFERENCES prod_playlist (id) ON DELETE CASCADE,
    reply_id    UUID,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);
INSERT INTO prod_notification_new (id, read, change, type, person_id, author_id, comment_id,
    task_id, playlist_id, reply_id, created_at, updated_at)
SELECT id, read, change, type, person_id, author_id, comment_id, task_id, playlist_id,
    reply_id, created_at, updated_at FROM prod_notification;
DROP TABLE prod_notification;
ALTER TABLE prod_notification_new RENAME TO prod_notification;
CREATE INDEX prod_notification_person ON prod_notification (person_id, read);
