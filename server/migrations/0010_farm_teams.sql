-- The farm sees Kitsu's teams: a person who is not a manager sees the farm projects whose team
-- (prod_project_person_link) they are on. Open event streams keep each person's projects in
-- memory; this counter moves whenever a team changes, and the writer's update hook (which
-- sees no WITHOUT ROWID table such as the links themselves) tells the streams to read again.
CREATE TABLE farm_team_changes (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
) STRICT;
INSERT INTO farm_team_changes (id, n) VALUES (1, 0);

CREATE TRIGGER farm_team_joined AFTER INSERT ON prod_project_person_link
BEGIN
    UPDATE farm_team_changes SET n = n + 1;
END;
CREATE TRIGGER farm_team_left AFTER DELETE ON prod_project_person_link
BEGIN
    UPDATE farm_team_changes SET n = n + 1;
END;
CREATE TRIGGER farm_team_moved AFTER UPDATE ON prod_project_person_link
BEGIN
    UPDATE farm_team_changes SET n = n + 1;
END;

-- A render's comment is written as its submitter, with their rights when the job ends; when
-- those rights refuse it (the person left the team, lost the role, was deactivated), the row
-- is closed with the reason instead of the comment.
ALTER TABLE prod_render_publish ADD COLUMN refused TEXT;
