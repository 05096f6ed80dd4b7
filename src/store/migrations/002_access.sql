-- Walking accessibility results (src/network, `opencim access --db`).
-- One row per run with its parameters and provenance; one row per residential building holding the
-- distances of the city's latest run as a real[] in the run's category order (1M buildings × 21
-- categories stays ~1M rows, ~100 MB, instead of 21M rows). `access_distances` is the long view.

CREATE TABLE access_runs (
  city_id     text NOT NULL,
  run_id      bigint GENERATED ALWAYS AS IDENTITY,
  computed_at timestamptz NOT NULL DEFAULT now(),
  -- category ids in taxonomy order: the meaning of access_results.distances[i]
  categories  text[] NOT NULL,
  -- cutoff_m, snap_limit_m, polygon_reach_m, island_max_m, per_capita_m2, engine version
  params      jsonb NOT NULL,
  -- the sources (source_id, sha256, version, imported_at) the run read
  provenance  jsonb NOT NULL,
  -- graph size, snapping counts, unsnapped / island facilities, timings
  stats       jsonb NOT NULL,
  -- per category: share of buildings and residents within 300 / 500 / 1000 m
  summary     jsonb NOT NULL,
  PRIMARY KEY (city_id, run_id)
);

CREATE TABLE access_results (
  city_id     text NOT NULL,
  building_id text NOT NULL,
  run_id      bigint NOT NULL,
  -- ok | unsnapped (no walkable edge within the snap limit) | island (only a tiny island within it)
  status      text NOT NULL,
  -- straight access leg from the building centroid to the network, metres
  snap_m      real,
  residents   real NOT NULL,
  -- metres per category of the run (access_runs.categories); NULL = nothing within the cut-off
  distances   real[] NOT NULL,
  PRIMARY KEY (city_id, building_id)
);
CREATE INDEX access_results_run_idx ON access_results (city_id, run_id);

CREATE VIEW access_distances AS
SELECT r.city_id, r.building_id, r.run_id, c.category, r.distances[c.ord] AS distance_m, r.residents, r.status
FROM access_results r
JOIN access_runs u ON u.city_id = r.city_id AND u.run_id = r.run_id
CROSS JOIN LATERAL unnest(u.categories) WITH ORDINALITY AS c(category, ord);
