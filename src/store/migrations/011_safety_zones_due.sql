-- House safety (issue 11): the GB 18306 seismic zoning layer of a city, polygons with their
-- seismic design intensity (抗震设防烈度) and, when given, the design peak ground acceleration
-- (设计基本地震加速度, in g). Versioned in the archive (migration 004); one layer per city: a
-- re-import closes the zones gone from the file. A building whose profile gives no intensity
-- takes the zone its footprint's centroid falls in (src/domains/safety/store.ts).
CREATE TABLE seismic_zones_versions (
  city_id   text NOT NULL,
  zone_id   text NOT NULL,
  -- content (hashed and compared)
  name      text,
  intensity double precision NOT NULL CHECK (intensity BETWEEN 5 AND 10),
  pga_g     double precision CHECK (pga_g > 0 AND pga_g <= 2),
  geom      geometry(MultiPolygon, 4326) NOT NULL,
  -- the archive envelope (src/store/archive.ts)
  version integer NOT NULL, valid_from timestamptz NOT NULL, valid_to timestamptz, changeset_id bigint NOT NULL,
  closed_by bigint, source_id text, content_hash bytea NOT NULL, prev_hash bytea, hash bytea NOT NULL,
  PRIMARY KEY (city_id, zone_id, version)
);
SELECT archive_register('seismic_zones_versions', 'seismic_zones', ARRAY['zone_id']);
CREATE INDEX seismic_zones_geom_idx ON seismic_zones_versions USING gist (geom) WHERE valid_to IS NULL;

-- the daily `safety.due` job (src/domains/safety/jobs.ts): the overdue list of a city as of a day,
-- kept per run (runs, migration 004), so "overdue as of today" is read, not recomputed
CREATE TABLE safety_due_results (
  city_id         text NOT NULL,
  run_id          bigint NOT NULL,
  building_id     text NOT NULL,
  rule            text,
  last_inspection date,
  next_due        date,
  overdue_days    integer NOT NULL CHECK (overdue_days > 0),
  PRIMARY KEY (city_id, run_id, building_id)
);
