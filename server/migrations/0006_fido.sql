-- FIDO2 / WebAuthn security keys, Kitsu's second factor beside TOTP: one row per key a person
-- registered, under the name they gave it. `credential` is the key as webauthn-rs serialises
-- it (credential id, public key, signature counter), rewritten when a login bumps the
-- counter. `users.fido_enabled` mirrors "has at least one row here" for the person JSON;
-- `users.fido_credentials` (0005, Zou's column) stays unused.
CREATE TABLE fido_credentials (
    id            INTEGER PRIMARY KEY,
    person_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_name   TEXT NOT NULL CHECK (device_name <> ''),
    credential_id TEXT NOT NULL UNIQUE,               -- base64url, as the authenticator sends it
    credential    TEXT NOT NULL,                      -- JSON
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now')),
    last_used_at  TEXT,
    UNIQUE (person_id, device_name)
) STRICT;
