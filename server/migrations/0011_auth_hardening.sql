-- Sessions and second factors that resist replay (issue 13).
--
-- A refresh hands out a new refresh token and retires the old one here; a retired token
-- presented again means the session's tokens were copied, and the whole session ends (the
-- rows go with it). Only the latest few per session are kept (db::sessions::RETIRED_KEPT).
CREATE TABLE session_retired_refresh (
    hash       BLOB PRIMARY KEY,                      -- SHA-256 of the retired refresh token
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    retired    INTEGER NOT NULL                       -- Unix ms
) STRICT;
CREATE INDEX session_retired_refresh_session ON session_retired_refresh (session_id);

-- The last TOTP time step each person logged in (or proved a factor) with: a code is accepted
-- once, and never one of an earlier step (RFC 6238, 5.2). Kept apart from `users` so the
-- generic person routes never see it.
CREATE TABLE totp_last_step (
    person_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    step      INTEGER NOT NULL
) STRICT;
