-- Building energy and carbon (issue 13): metered data as versioned records (the archive), and the
-- results of every inventory run (runs.kind = 'carbon'), kept per run, append-only.

-- metered annual use: one record per building × year × account (account '' when the file has none)
CREATE TABLE metered_energy_versions (
  city_id text NOT NULL,
  building_id text NOT NULL, year integer NOT NULL, account text NOT NULL,
  address text, electricity_kwh double precision, gas_m3 double precision, heat_gj double precision,
  version integer NOT NULL, valid_from timestamptz NOT NULL, valid_to timestamptz, changeset_id bigint NOT NULL,
  closed_by bigint, source_id text, content_hash bytea NOT NULL, prev_hash bytea, hash bytea NOT NULL,
  PRIMARY KEY (city_id, building_id, year, account, version)
);
SELECT archive_register('metered_energy_versions', 'metered_energy', ARRAY['building_id', 'year', 'account']);

-- one row per run: parameter table versions and values, zone and grid, factors used, summary
CREATE TABLE carbon_runs (
  city_id text NOT NULL, run_id bigint NOT NULL,
  params jsonb NOT NULL, tables jsonb NOT NULL, summary jsonb NOT NULL,
  PRIMARY KEY (city_id, run_id)
);

CREATE TABLE carbon_buildings (
  city_id text NOT NULL, run_id bigint NOT NULL, building_id text NOT NULL,
  use text NOT NULL, climate_zone text NOT NULL, era text NOT NULL,
  floor_area_m2 double precision NOT NULL, floor_area_basis text NOT NULL, eui_kwh_m2 double precision NOT NULL,
  electricity_kwh double precision NOT NULL, gas_m3 double precision NOT NULL, heat_gj double precision NOT NULL,
  co2e_kg double precision NOT NULL, basis text NOT NULL CHECK (basis IN ('estimated', 'metered')),
  district_id text, street_id text, community_id text,
  geom geometry(Point, 4326) NOT NULL,
  PRIMARY KEY (city_id, run_id, building_id)
);
CREATE INDEX carbon_buildings_geom_idx ON carbon_buildings USING gist (geom);

CREATE TABLE carbon_areas (
  city_id text NOT NULL, run_id bigint NOT NULL, level text NOT NULL, area_id text NOT NULL,
  name text, kind text NOT NULL, buildings integer NOT NULL, metered_buildings integer NOT NULL,
  floor_area_m2 double precision NOT NULL, electricity_kwh double precision NOT NULL, gas_m3 double precision NOT NULL,
  heat_gj double precision NOT NULL, co2e_kg double precision NOT NULL, co2e_estimated_kg double precision NOT NULL,
  residents double precision NOT NULL, co2e_kg_per_m2 double precision, co2e_kg_per_resident double precision,
  geom geometry(MultiPolygon, 4326),
  PRIMARY KEY (city_id, run_id, level, area_id)
);

CREATE TABLE carbon_retrofit (
  city_id text NOT NULL, run_id bigint NOT NULL, rank integer NOT NULL, building_id text NOT NULL,
  use text NOT NULL, era text NOT NULL, floor_area_m2 double precision NOT NULL, eui_kwh_m2 double precision NOT NULL,
  co2e_kg double precision NOT NULL, savings_share double precision NOT NULL, saved_kwh double precision NOT NULL,
  saved_co2e_kg double precision NOT NULL, basis text NOT NULL,
  geom geometry(Point, 4326) NOT NULL,
  PRIMARY KEY (city_id, run_id, rank)
);

CREATE FUNCTION carbon_results_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'carbon results are kept per run, append-only: % on % refused', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['carbon_runs', 'carbon_buildings', 'carbon_areas', 'carbon_retrofit'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION carbon_results_guard()', t || '_append_only', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION carbon_results_guard()', t || '_no_truncate', t);
  END LOOP;
END $$;

-- the results of the latest succeeded carbon run of each city
CREATE VIEW carbon_current_runs AS
SELECT DISTINCT ON (city_id) city_id, run_id FROM runs WHERE kind = 'carbon' AND status = 'succeeded' ORDER BY city_id, run_id DESC;
CREATE VIEW carbon_buildings_current AS
SELECT b.* FROM carbon_buildings b JOIN carbon_current_runs r ON r.city_id = b.city_id AND r.run_id = b.run_id;
CREATE VIEW carbon_areas_current AS
SELECT a.* FROM carbon_areas a JOIN carbon_current_runs r ON r.city_id = a.city_id AND r.run_id = a.run_id;
CREATE VIEW carbon_retrofit_current AS
SELECT c.* FROM carbon_retrofit c JOIN carbon_current_runs r ON r.city_id = c.city_id AND r.run_id = c.run_id;
