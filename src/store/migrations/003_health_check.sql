-- Urban health check results (src/indicators, `opencim check --db`), read by the API and the viewer.
-- One row per run with its catalogue version, parameters and provenance; the run's areas of analysis
-- (districts, streets, communities, compounds or fallback grid cells) with their geometry; one row per
-- indicator × area; the problem ledger (问题清单); the ranked renewal candidates with geometry.

CREATE TABLE check_runs (
  city_id       text NOT NULL,
  run_id        bigint GENERATED ALWAYS AS IDENTITY,
  computed_at   timestamptz NOT NULL DEFAULT now(),
  catalogue     text NOT NULL,
  -- every parameter in force (catalogue defaults and overrides), access parameters, engine version
  params        jsonb NOT NULL,
  -- the sources (source_id, sha256, version, imported_at) the run read; manual input files
  provenance    jsonb NOT NULL,
  -- counts by status, units of analysis and their fallbacks, timings
  summary       jsonb NOT NULL,
  PRIMARY KEY (city_id, run_id)
);

CREATE TABLE check_areas (
  city_id   text NOT NULL,
  run_id    bigint NOT NULL,
  area_id   text NOT NULL,
  kind      text NOT NULL,       -- city | district | street | community | compound | grid
  level     text NOT NULL,       -- city | district | street | community
  name      text,
  residents real NOT NULL,
  buildings integer NOT NULL,
  geom      geometry(MultiPolygon, 4326),
  PRIMARY KEY (city_id, run_id, area_id)
);
CREATE INDEX check_areas_geom_idx ON check_areas USING gist (geom);

CREATE TABLE indicator_results (
  city_id      text NOT NULL,
  run_id       bigint NOT NULL,
  indicator_id text NOT NULL,
  area_id      text NOT NULL,
  level        text NOT NULL,
  system_level text NOT NULL,    -- housing | community | block | city
  value        double precision,
  unit         text NOT NULL,
  target       jsonb,
  status       text NOT NULL,    -- pass | fail | no_target | no_data
  grade        text,
  source       text NOT NULL,    -- computed | manual | none
  explain      text NOT NULL,
  details      jsonb,
  year         integer,
  previous     jsonb,
  PRIMARY KEY (city_id, run_id, indicator_id, area_id)
);
CREATE INDEX indicator_results_area_idx ON indicator_results (city_id, run_id, area_id);

CREATE TABLE check_problems (
  city_id      text NOT NULL,
  run_id       bigint NOT NULL,
  problem_no   integer NOT NULL,
  area_id      text NOT NULL,
  area_kind    text NOT NULL,
  indicator_id text NOT NULL,
  value        double precision,
  target       text,
  gap          double precision,
  evidence_zh  text NOT NULL,
  evidence_en  text NOT NULL,
  PRIMARY KEY (city_id, run_id, problem_no)
);

CREATE TABLE renewal_candidates (
  city_id     text NOT NULL,
  run_id      bigint NOT NULL,
  rank        integer NOT NULL,
  place_id    text NOT NULL,
  name        text,
  kind        text NOT NULL,     -- compound | community | grid | old_building_cluster
  score       double precision NOT NULL,
  components  jsonb NOT NULL,
  residents   real NOT NULL,
  buildings   integer NOT NULL,
  reasons_zh  text[] NOT NULL,
  reasons_en  text[] NOT NULL,
  properties  jsonb NOT NULL,
  geom        geometry(Geometry, 4326) NOT NULL,
  PRIMARY KEY (city_id, run_id, rank)
);
CREATE INDEX renewal_candidates_geom_idx ON renewal_candidates USING gist (geom);
