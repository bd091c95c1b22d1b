-- A playlist's `shots` is a list, empty when nothing was added: gazu iterates it
-- (`all_shots_for_playlist`), as Zou always writes one.
UPDATE prod_playlist SET shots = '[]' WHERE shots IS NULL;
CREATE TRIGGER playlist_shots_listed AFTER INSERT ON prod_playlist
WHEN NEW.shots IS NULL
BEGIN
    UPDATE prod_playlist SET shots = '[]' WHERE id = NEW.id;
END;
