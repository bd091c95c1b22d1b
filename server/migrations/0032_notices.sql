-- Notices (issue 17): when a job completes or fails, its submitter and the people following
-- the job or its project are told, in the app and, as each chose, in chat and by e-mail.

-- Kitsu's per-person chat choices (Zou's person columns, set from Kitsu's profile page too).
ALTER TABLE users ADD COLUMN notifications_slack_enabled BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN notifications_slack_userid TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN notifications_mattermost_enabled BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN notifications_mattermost_userid TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN notifications_discord_enabled BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN notifications_discord_userid TEXT NOT NULL DEFAULT '';

-- A person's farm choices; no row means the defaults (told of both outcomes, desktop pop-ups,
-- no e-mail).
CREATE TABLE notice_prefs (
    user_id      TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    on_completed INTEGER NOT NULL CHECK (on_completed IN (0, 1)),
    on_failed    INTEGER NOT NULL CHECK (on_failed IN (0, 1)),
    desktop      INTEGER NOT NULL CHECK (desktop IN (0, 1)),
    email        INTEGER NOT NULL CHECK (email IN (0, 1))
) STRICT, WITHOUT ROWID;

CREATE TABLE job_subscriptions (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    job_id  INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, job_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX job_subscriptions_job ON job_subscriptions (job_id, user_id);

CREATE TABLE project_subscriptions (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, project_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX project_subscriptions_project ON project_subscriptions (project_id, user_id);

-- A person's list. Written in the transaction that ends the job, so a crash loses none.
CREATE TABLE notices (
    id         INTEGER PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    job_id     INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
    job_name   TEXT NOT NULL,
    project_id INTEGER NOT NULL,
    outcome    TEXT NOT NULL CHECK (outcome IN ('completed', 'failed')),
    text       TEXT NOT NULL,
    created    INTEGER NOT NULL,
    read       INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1))
) STRICT;
CREATE INDEX notices_person ON notices (user_id, id);
CREATE INDEX notices_job ON notices (job_id) WHERE job_id IS NOT NULL;

-- The outbox of what goes out of the server: one row per notice and channel, queued with the
-- notice, sent by the notifier and retried with backoff until it is delivered or given up.
CREATE TABLE notice_deliveries (
    id         INTEGER PRIMARY KEY,
    notice_id  INTEGER NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
    channel    TEXT NOT NULL CHECK (channel IN ('email', 'slack', 'mattermost', 'discord')),
    address    TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_try   INTEGER NOT NULL,
    delivered  INTEGER,
    gave_up    INTEGER,
    last_error TEXT
) STRICT;
CREATE INDEX notice_deliveries_due ON notice_deliveries (next_try)
    WHERE delivered IS NULL AND gave_up IS NULL;
