-- Population (issue 10): census tables joined to 街道/社区 boundaries, and population rasters, kept
-- as zones with a population; the health check distributes each zone's population onto the
-- residential buildings inside it by floor area (dasymetric). Every table carries city_id.
-- History is append-only: zones are versioned records (archive, migration 004), keyed by the
-- dataset (population source) and zone; each import is one change set and one row of population_imports.
CREATE TABLE population_imports (
  city_id      text NOT NULL,
  changeset_id bigint NOT NULL,
  dataset      text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('census', 'raster')),
  year         integer,
  path         text NOT NULL,
  sha256       text NOT NULL,
  -- population of every zone written (people)
  total        double precision NOT NULL,
  zones        integer NOT NULL,
  -- how the file was read: join key, encoding, CRS, cell size, no-data cells skipped, ...
  details      jsonb NOT NULL,
  imported_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (city_id, changeset_id)
);

CREATE TABLE population_zones_versions (
  city_id       text NOT NULL,
  dataset       text NOT NULL,
  zone_id       text NOT NULL,
  -- content: census: the row's area code / name and the admin area it was joined to; raster: null
  area_code     text,
  name          text,
  admin_area_id text,
  population    double precision NOT NULL CHECK (population >= 0),
  households    double precision,
  geom          geometry(MultiPolygon, 4326) NOT NULL,
  -- the archive envelope (src/store/archive.ts)
  version integer NOT NULL, valid_from timestamptz NOT NULL, valid_to timestamptz, changeset_id bigint NOT NULL,
  closed_by bigint, source_id text, content_hash bytea NOT NULL, prev_hash bytea, hash bytea NOT NULL,
  PRIMARY KEY (city_id, dataset, zone_id, version)
);
SELECT archive_register('population_zones_versions', 'population_zones', ARRAY['dataset', 'zone_id']);
CREATE INDEX population_zones_geom_idx ON population_zones_versions USING gist (geom) WHERE valid_to IS NULL;
