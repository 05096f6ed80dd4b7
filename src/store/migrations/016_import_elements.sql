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
  land_use  text NOT NULL,
  PRIMARY KEY (city_id, source_id)
);

-- each source's elements as text, `origin fingerprint` a line, in parts of up to 50,000 lines: read
-- and written whole (a row per element cost a fresh import of 200k buildings most of a second)
CREATE UNLOGGED TABLE import_elements (
  city_id   text NOT NULL,
  source_id text NOT NULL,
  part      integer NOT NULL,
  elements  text NOT NULL,
  PRIMARY KEY (city_id, source_id, part)
);
-- a cache: kept as written, not compressed (the import waits for it)
ALTER TABLE import_elements ALTER COLUMN elements SET STORAGE EXTERNAL;
