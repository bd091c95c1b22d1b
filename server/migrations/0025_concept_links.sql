-- Concepts linked to the entities they are for (Kitsu's Concepts page links a concept to
-- assets; an asset's page lists the concepts linked to it). Zou's `entity_concept_link`.
CREATE TABLE prod_entity_concept_link (
    entity_in_id  UUID NOT NULL REFERENCES prod_entity (id) ON DELETE CASCADE,
    entity_out_id UUID NOT NULL REFERENCES prod_entity (id) ON DELETE CASCADE,
    PRIMARY KEY (entity_in_id, entity_out_id)
);
CREATE INDEX prod_entity_concept_link_out ON prod_entity_concept_link (entity_out_id);
