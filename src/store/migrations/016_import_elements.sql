-- The importer's memory of a source's OSM elements (store/element-cache.ts): each element that
-- made records, with its fingerprint as last imported, and per source the digests of the rules and
-- of the land use those records were made with. A re-import skips the elements that are as they
-- were (issue 9: a re-import costs what changed, not the whole file).
--
-- Not city data and not part of the archive: written only by the import, in its own transaction,
-- so it always describes the records as they stand. UNLOGGED: a crash empties both tables, and the
-- next import then reads every element again, which is always right; nothing is lost but time.

CREATE UNLOGGED TABLE import_element_sets (
  city_id   text NOT NULL,
  source_id text NOT NULL,
  rules     text NOT NULL,
  zones     text NOT NULL,
  PRIMARY KEY (city_id, source_id)
);

-- read per source as a whole, changed by hash join: indexed by source only (a province holds many cities)
CREATE UNLOGGED TABLE import_elements (
  city_id   text NOT NULL,
  source_id text NOT NULL,
  origin    text NOT NULL,
  fp        bigint NOT NULL
);
CREATE INDEX import_elements_source ON import_elements (city_id, source_id);
