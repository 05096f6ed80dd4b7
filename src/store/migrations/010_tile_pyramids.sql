-- 010: vector tile pyramids (瓦片金字塔). Tiles encoded once per city, layer set and data version
-- (the server's version hash: sources, archive head, runs), served straight from here by the tile
-- routes while the city's data version is the pyramid's. A derived cache, not a kept record: a new
-- pyramid replaces the city's older ones. Only `ready` pyramids are served; a build that fails or is
-- killed leaves a `building`/`failed` row that is never read and is removed by the next build.
CREATE TABLE IF NOT EXISTS tile_pyramids (
  city_id      text NOT NULL,
  pyramid_id   bigserial NOT NULL,
  data_version text NOT NULL,
  layers       text[] NOT NULL,
  minzoom      smallint NOT NULL,
  maxzoom      smallint NOT NULL,
  -- per layer, per zoom: the tile range [x0, y0, x1, y1] built; a tile inside it without a row is empty
  coverage     jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- [west, south, east, north] of the layers' features (null: none)
  bbox         float8[],
  status       text NOT NULL DEFAULT 'building' CHECK (status IN ('building', 'ready', 'failed')),
  tiles        bigint NOT NULL DEFAULT 0,
  bytes        bigint NOT NULL DEFAULT 0,
  actor        text NOT NULL,
  job_id       text,
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  error        text,
  PRIMARY KEY (city_id, pyramid_id)
);
CREATE INDEX IF NOT EXISTS tile_pyramids_ready ON tile_pyramids (city_id, data_version) WHERE status = 'ready';

CREATE TABLE IF NOT EXISTS tile_pyramid_tiles (
  city_id    text NOT NULL,
  pyramid_id bigint NOT NULL,
  layer      text NOT NULL,
  z          smallint NOT NULL,
  x          integer NOT NULL,
  y          integer NOT NULL,
  raw_bytes  integer NOT NULL,
  -- the MVT of one layer, gzip'd
  data       bytea NOT NULL,
  PRIMARY KEY (city_id, pyramid_id, layer, z, x, y),
  FOREIGN KEY (city_id, pyramid_id) REFERENCES tile_pyramids (city_id, pyramid_id) ON DELETE CASCADE
);
