-- Who has acknowledged a comment (Kitsu's check mark on it), as Zou's
-- `comment_acknoledgments` link: a person at most once per comment. A plain rowid table, so
-- the writer's update hook sees its changes like any production row's.
CREATE TABLE prod_comment_acknowledgement (
    comment_id UUID NOT NULL REFERENCES prod_comment (id) ON DELETE CASCADE,
    person_id  UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (comment_id, person_id)
);
