-- A playlist's movie builds (Kitsu's "Build movie"): one row per build, running until the
-- server's ffmpeg run ends it. Zou's `build_job`.
CREATE TABLE prod_build_job (
    id          UUID PRIMARY KEY,
    playlist_id UUID NOT NULL REFERENCES prod_playlist (id) ON DELETE CASCADE,
    status      TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    job_type    TEXT NOT NULL DEFAULT 'movie',
    message     TEXT,
    person_id   UUID,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    ended_at    DATETIME
);
CREATE INDEX prod_build_job_playlist ON prod_build_job (playlist_id, created_at);
