-- Designated greenway routes (issue 10 §3): OSM route relations for walking or cycling named as
-- greenways (广东绿道 ...), each its member ways as one multi-line. The greenway coverage counts
-- them beside the ways named or tagged as greenways. Versioned like every record of the city model.
CREATE TABLE greenway_routes_versions (
  city_id text NOT NULL, id text NOT NULL, source_id text NOT NULL,
  name text, route text NOT NULL, length_m double precision NOT NULL, tags jsonb NOT NULL,
  geom geometry(MultiLineString, 4326) NOT NULL,
  version integer NOT NULL, valid_from timestamptz NOT NULL, valid_to timestamptz, changeset_id bigint NOT NULL,
  closed_by bigint, content_hash bytea NOT NULL, prev_hash bytea, hash bytea NOT NULL, import_fp bigint,
  PRIMARY KEY (city_id, id, version)
);
CREATE INDEX greenway_routes_geom_idx ON greenway_routes_versions USING gist (geom);
CREATE INDEX greenway_routes_source_idx ON greenway_routes_versions (city_id, source_id);
SELECT archive_register('greenway_routes_versions', 'greenway_routes', ARRAY['id']);
