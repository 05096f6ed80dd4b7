-- Population (issue 10): census tables joined to 街道/社区 boundaries, and population rasters, as
-- zones with a population; the health check distributes each zone's population onto the
-- residential buildings inside it by floor area (dasymetric). Every table carries city_id.
-- Re-importing a population source replaces its zones as a whole (like the city model's sources).
CREATE TABLE population_sources (
  city_id     text NOT NULL,
  source_id   text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('census', 'raster')),
  year        integer,
  path        text NOT NULL,
  sha256      text NOT NULL,
  -- population of every zone written (people)
  total       double precision NOT NULL,
  zones       integer NOT NULL,
  -- how the file was read: join key, encoding, CRS, cell size, no-data cells skipped, ...
  details     jsonb NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (city_id, source_id)
);

CREATE TABLE population_zones (
  city_id       text NOT NULL,
  source_id     text NOT NULL,
  zone_id       text NOT NULL,
  -- census: the row's area code / name and the admin area it was joined to; raster: null
  area_code     text,
  name          text,
  admin_area_id text,
  population    double precision NOT NULL CHECK (population >= 0),
  households    double precision,
  geom          geometry(MultiPolygon, 4326) NOT NULL,
  PRIMARY KEY (city_id, source_id, zone_id),
  FOREIGN KEY (city_id, source_id) REFERENCES population_sources (city_id, source_id) ON DELETE CASCADE
);
CREATE INDEX population_zones_geom_idx ON population_zones USING gist (geom);
