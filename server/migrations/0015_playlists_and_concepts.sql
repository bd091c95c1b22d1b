-- A playlist's `shots` is a list, empty when nothing was added: gazu iterates it
-- (`all_shots_for_playlist`), as Zou always writes one.
UPDATE prod_playlist SET shots = '[]' WHERE shots IS NULL;
CREATE TRIGGER playlist_shots_listed AFTER INSERT ON prod_playlist
WHEN NEW.shots IS NULL
BEGIN
    UPDATE prod_playlist SET shots = '[]' WHERE id = NEW.id;
END;

-- Concepts (concept art, with their own tasks and previews) are entities of the `Concept`
-- type, as in Zou; a studio that already named an asset type so keeps it.
INSERT OR IGNORE INTO prod_entity_type (id, name, created_at, updated_at)
VALUES ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000216', 'Concept',
        strftime('%Y-%m-%dT%H:%M:%S', 'now'), strftime('%Y-%m-%dT%H:%M:%S', 'now'));
