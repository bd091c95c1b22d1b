-- Kitsu's big lists (assets and shots with their tasks) are kept in memory once written, until
-- production data changes: the writer's update hook marks a write that touched a `prod_` table.
-- The hook sees no WITHOUT ROWID table, such as the links below (a task's assignees among
-- them), so each change to one also moves this counter, which the hook does see.
CREATE TABLE prod_link_changes (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
) STRICT;
INSERT INTO prod_link_changes (id, n) VALUES (1, 0);

CREATE TRIGGER department_link_added AFTER INSERT ON prod_department_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER department_link_removed AFTER DELETE ON prod_department_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER department_link_changed AFTER UPDATE ON prod_department_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER project_person_link_added AFTER INSERT ON prod_project_person_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER project_person_link_removed AFTER DELETE ON prod_project_person_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER project_person_link_changed AFTER UPDATE ON prod_project_person_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER project_asset_type_link_added AFTER INSERT ON prod_project_asset_type_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER project_asset_type_link_removed AFTER DELETE ON prod_project_asset_type_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER project_asset_type_link_changed AFTER UPDATE ON prod_project_asset_type_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER project_task_type_link_added AFTER INSERT ON prod_project_task_type_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER project_task_type_link_removed AFTER DELETE ON prod_project_task_type_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER project_task_type_link_changed AFTER UPDATE ON prod_project_task_type_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER project_task_status_link_added AFTER INSERT ON prod_project_task_status_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER project_task_status_link_removed AFTER DELETE ON prod_project_task_status_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER project_task_status_link_changed AFTER UPDATE ON prod_project_task_status_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER asset_instance_link_added AFTER INSERT ON prod_asset_instance_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER asset_instance_link_removed AFTER DELETE ON prod_asset_instance_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER asset_instance_link_changed AFTER UPDATE ON prod_asset_instance_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER task_person_link_added AFTER INSERT ON prod_task_person_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER task_person_link_removed AFTER DELETE ON prod_task_person_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER task_person_link_changed AFTER UPDATE ON prod_task_person_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER comment_preview_link_added AFTER INSERT ON prod_comment_preview_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER comment_preview_link_removed AFTER DELETE ON prod_comment_preview_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER comment_preview_link_changed AFTER UPDATE ON prod_comment_preview_link
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER comment_mention_added AFTER INSERT ON prod_comment_mention
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER comment_mention_removed AFTER DELETE ON prod_comment_mention
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
CREATE TRIGGER comment_mention_changed AFTER UPDATE ON prod_comment_mention
BEGIN
    UPDATE prod_link_changes SET n = n + 1;
END;
