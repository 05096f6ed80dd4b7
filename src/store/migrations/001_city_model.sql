-- The city model. Every table carries city_id (shard key for Citus) and source_id (provenance,
-- idempotent re-import: a source's records are replaced as a whole).
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE cities (
  city_id    text PRIMARY KEY,
  name       text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sources (
  city_id     text NOT NULL,
  source_id   text NOT NULL,
  path        text NOT NULL,
  format      text NOT NULL,
  version     text,            -- data timestamp / replication sequence of the extract
  generator   text,
  sha256      text NOT NULL,
  bytes       bigint NOT NULL,
  bbox        geometry(Polygon, 4326),
  counts      jsonb NOT NULL,
  problems    jsonb NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (city_id, source_id)
);

CREATE TABLE buildings (
  city_id     text NOT NULL,
  id          text NOT NULL,
  source_id   text NOT NULL,
  name        text,
  use         text NOT NULL,
  height      double precision,
  levels      double precision,
  year        integer,
  residential boolean NOT NULL,
  area_m2     double precision NOT NULL,
  tags        jsonb NOT NULL,
  geom        geometry(MultiPolygon, 4326) NOT NULL,
  PRIMARY KEY (city_id, id)
);

CREATE TABLE facilities (
  city_id   text NOT NULL,
  id        text NOT NULL,
  category  text NOT NULL,
  source_id text NOT NULL,
  name      text,
  tags      jsonb NOT NULL,
  geom      geometry(Geometry, 4326) NOT NULL,
  PRIMARY KEY (city_id, id, category)
);

CREATE TABLE green_spaces (
  city_id    text NOT NULL,
  id         text NOT NULL,
  source_id  text NOT NULL,
  name       text,
  green_kind text NOT NULL,
  is_public  boolean NOT NULL,
  area_m2    double precision NOT NULL,
  tags       jsonb NOT NULL,
  geom       geometry(MultiPolygon, 4326) NOT NULL,
  PRIMARY KEY (city_id, id)
);

CREATE TABLE land_use (
  city_id   text NOT NULL,
  id        text NOT NULL,
  source_id text NOT NULL,
  name      text,
  landuse   text NOT NULL,
  area_m2   double precision NOT NULL,
  tags      jsonb NOT NULL,
  geom      geometry(MultiPolygon, 4326) NOT NULL,
  PRIMARY KEY (city_id, id)
);

CREATE TABLE admin_areas (
  city_id     text NOT NULL,
  id          text NOT NULL,
  source_id   text NOT NULL,
  name        text,
  admin_level integer NOT NULL,
  level       text NOT NULL,
  tags        jsonb NOT NULL,
  geom        geometry(MultiPolygon, 4326) NOT NULL,
  PRIMARY KEY (city_id, id)
);

CREATE TABLE walk_edges (
  city_id   text NOT NULL,
  id        text NOT NULL,
  source_id text NOT NULL,
  name      text,
  highway   text NOT NULL,
  length_m  double precision NOT NULL,
  node_ids  bigint[],
  tags      jsonb NOT NULL,
  geom      geometry(LineString, 4326) NOT NULL,
  PRIMARY KEY (city_id, id)
);

CREATE INDEX buildings_geom_idx ON buildings USING gist (geom);
CREATE INDEX facilities_geom_idx ON facilities USING gist (geom);
CREATE INDEX green_spaces_geom_idx ON green_spaces USING gist (geom);
CREATE INDEX land_use_geom_idx ON land_use USING gist (geom);
CREATE INDEX admin_areas_geom_idx ON admin_areas USING gist (geom);
CREATE INDEX walk_edges_geom_idx ON walk_edges USING gist (geom);
CREATE INDEX buildings_source_idx ON buildings (city_id, source_id);
CREATE INDEX facilities_source_idx ON facilities (city_id, source_id);
CREATE INDEX facilities_category_idx ON facilities (city_id, category);
CREATE INDEX green_spaces_source_idx ON green_spaces (city_id, source_id);
CREATE INDEX land_use_source_idx ON land_use (city_id, source_id);
CREATE INDEX admin_areas_source_idx ON admin_areas (city_id, source_id);
CREATE INDEX walk_edges_source_idx ON walk_edges (city_id, source_id);
