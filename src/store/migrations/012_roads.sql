-- Road centrelines that are not walkable (issue 10 §3): roads with foot=no, access=no, private
-- service roads, motorways, tunnels closed to pedestrians. They are roads of the city all the
-- same: the road density counts them with the walkable roads of walk_edges (the walk network
-- never sees them). Versioned like every record of the city model (the archive, migration 004).
CREATE TABLE roads_versions (
  city_id text NOT NULL, id text NOT NULL, source_id text NOT NULL,
  name text, highway text NOT NULL, length_m double precision NOT NULL, tags jsonb NOT NULL,
  geom geometry(LineString, 4326) NOT NULL,
  version integer NOT NULL, valid_from timestamptz NOT NULL, valid_to timestamptz, changeset_id bigint NOT NULL,
  closed_by bigint, content_hash bytea NOT NULL, prev_hash bytea, hash bytea NOT NULL, import_fp bigint,
  PRIMARY KEY (city_id, id, version)
);
CREATE INDEX roads_geom_idx ON roads_versions USING gist (geom);
CREATE INDEX roads_source_idx ON roads_versions (city_id, source_id);
SELECT archive_register('roads_versions', 'roads', ARRAY['id']);
