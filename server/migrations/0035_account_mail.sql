-- Account e-mails (issue 15): password resets, invitations and one-time codes by e-mail, as
-- Kitsu's front end asks for them.
--
-- One secret per person and purpose: a password link (a reset or an invitation; a new one
-- replaces the last) and an e-mailed login code. Only a keyed hash is kept, so the database
-- alone gives no usable link or code.
CREATE TABLE account_tokens (
    person_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('password', 'email_otp')),
    token_hash TEXT NOT NULL,
    expires    INTEGER NOT NULL,              -- ms since the epoch
    PRIMARY KEY (person_id, purpose)
) STRICT, WITHOUT ROWID;

-- The outbox of those e-mails, sent by the notifier. A row carries the link or code until it
-- is sent, so it is deleted once sent, given up or past `expires` (a code nobody can use any
-- more is not worth sending).
CREATE TABLE account_mails (
    id         INTEGER PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('password', 'email_otp')),
    address    TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    expires    INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_try   INTEGER NOT NULL
) STRICT;
CREATE INDEX account_mails_due ON account_mails (next_try);
