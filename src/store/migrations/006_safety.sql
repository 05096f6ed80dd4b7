-- House safety over a building's whole life (issue 11): the safety profile of each building
-- (collection `building_safety`, keyed by the city model's building id) and its inspections
-- (collection `inspections`, keyed by inspection id), both versioned in the archive (migration
-- 004): every version kept, who/when/why from its change set, "now" the *_current views.
-- Value sets are those of the CSV contract (src/domains/safety/model.ts).

CREATE TABLE safety_profiles_versions (
  city_id           text NOT NULL,
  building_id       text NOT NULL,
  -- content (hashed and compared)
  year_built        integer CHECK (year_built BETWEEN 1000 AND 2200),
  design_life_years integer CHECK (design_life_years BETWEEN 1 AND 300),
  structure         text CHECK (structure IN ('brick_concrete', 'prefab_slab', 'frame', 'shear_wall', 'steel', 'timber', 'self_built', 'other')),
  storeys           integer CHECK (storeys BETWEEN 0 AND 300),
  height_m          double precision CHECK (height_m BETWEEN 0 AND 1000),
  use               text CHECK (use IN ('residential', 'public_crowded', 'commercial_self_built', 'office', 'industrial', 'other')),
  households        integer CHECK (households >= 0),
  group_rental      boolean,
  seismic_intensity double precision CHECK (seismic_intensity BETWEEN 5 AND 10),
  isolation         boolean,
  owner             text,
  insured           boolean,
  fund              boolean,
  -- the archive envelope (filled by src/store/archive.ts)
  version integer NOT NULL, valid_from timestamptz NOT NULL, valid_to timestamptz, changeset_id bigint NOT NULL,
  closed_by bigint, source_id text, content_hash bytea NOT NULL, prev_hash bytea, hash bytea NOT NULL,
  PRIMARY KEY (city_id, building_id, version)
);
SELECT archive_register('safety_profiles_versions', 'building_safety', ARRAY['building_id']);

CREATE TABLE safety_inspections_versions (
  city_id       text NOT NULL,
  id            text NOT NULL,
  -- content
  building_id   text NOT NULL,
  date          date NOT NULL,
  organisation  text,
  inspector     text,
  method        text,
  grade         text CHECK (grade IN ('A', 'B', 'C', 'D')),
  hazards       text[] NOT NULL DEFAULT '{}' CHECK (hazards <@ ARRAY['structure', 'gas', 'stairwell', 'envelope', 'pipes', 'age_friendly', 'energy', 'digital']),
  measure       text CHECK (measure IN ('use', 'observe', 'stop', 'demolish')),
  deadline      date CHECK (deadline >= date),
  remediated_on date CHECK (remediated_on >= date),
  verified_by   text,
  -- photos by content hash (sha256 hex of a file in safety_photos) or URL
  photos        text[] NOT NULL DEFAULT '{}',
  version integer NOT NULL, valid_from timestamptz NOT NULL, valid_to timestamptz, changeset_id bigint NOT NULL,
  closed_by bigint, source_id text, content_hash bytea NOT NULL, prev_hash bytea, hash bytea NOT NULL,
  PRIMARY KEY (city_id, id, version)
);
SELECT archive_register('safety_inspections_versions', 'inspections', ARRAY['id']);
CREATE INDEX safety_inspections_building_idx ON safety_inspections_versions (city_id, building_id, date) WHERE valid_to IS NULL;

-- inspection photos, content-addressed (a file is stored once, named by its sha256; never changed)
CREATE TABLE safety_photos (
  city_id    text NOT NULL,
  sha256     text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  media_type text NOT NULL,
  bytes      bytea NOT NULL,
  actor      text NOT NULL,
  stored_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (city_id, sha256)
);
