-- City operations (issue 12): cases (collection `cases`) and grids, versioned per the spine
-- pattern (every version kept with its changeset; `_current` views say what is true now), the
-- Open311 API keys (hashes only), and the SLA runs' results.
-- Who, when and why of every version: its change set (`changesets`, migration 004).

CREATE SEQUENCE case_id_seq;

CREATE TABLE cases_versions (
  city_id          text NOT NULL,
  id               text NOT NULL,
  -- content
  service_code     text NOT NULL,
  class_code       text NOT NULL,
  status           text NOT NULL,
  action           text NOT NULL,          -- what made this version: report, accept, dispatch, ..., comment, escalate
  note             text,
  channel          text NOT NULL,          -- open311 | hotline | grid_worker | staff
  department       text,
  grid_code        text,
  worker           text,                   -- the grid worker who verifies
  description      text,
  address          text,
  attributes       jsonb NOT NULL,
  media_urls       jsonb NOT NULL,
  reporter         jsonb NOT NULL,         -- personal data: staff only, never in public answers
  token            text NOT NULL,
  external_id      text,                   -- hotline ticket, client update id
  duplicate_of     text,
  reported_at      timestamptz NOT NULL,
  stage_entered_at timestamptz NOT NULL,
  deadline         timestamptz,
  expected_at      timestamptz,
  closed_at        timestamptz,
  escalation       integer NOT NULL,
  geom             geometry(Point, 4326),
  -- the archive envelope
  version       integer NOT NULL,
  valid_from    timestamptz NOT NULL,
  valid_to      timestamptz,
  changeset_id  bigint NOT NULL,
  closed_by     bigint,
  source_id     text,
  content_hash  bytea NOT NULL,
  prev_hash     bytea,
  hash          bytea NOT NULL,
  PRIMARY KEY (city_id, id, version)
);
SELECT archive_register('cases_versions', 'cases', ARRAY['id']);
CREATE INDEX cases_current_geom ON cases_versions USING gist (geom) WHERE valid_to IS NULL;
CREATE INDEX cases_current_reported ON cases_versions (city_id, reported_at) WHERE valid_to IS NULL;
CREATE INDEX cases_valid_from ON cases_versions (city_id, valid_from);
CREATE UNIQUE INDEX cases_token ON cases_versions (token) WHERE valid_to IS NULL;

CREATE TABLE grids_versions (
  city_id      text NOT NULL,
  code         text NOT NULL,
  -- content
  level        text NOT NULL,              -- district | street | community | unit
  parent_code  text,
  name         text,
  street       text,                       -- code of the street it lies in (statistics)
  workers      jsonb NOT NULL,             -- grid workers (names of principals)
  assign       jsonb NOT NULL,             -- catalogue department → the department unit that serves this grid
  area_m2      double precision NOT NULL,
  geom         geometry(MultiPolygon, 4326) NOT NULL,
  -- the archive envelope
  version       integer NOT NULL,
  valid_from    timestamptz NOT NULL,
  valid_to      timestamptz,
  changeset_id  bigint NOT NULL,
  closed_by     bigint,
  source_id     text,
  content_hash  bytea NOT NULL,
  prev_hash     bytea,
  hash          bytea NOT NULL,
  PRIMARY KEY (city_id, code, version)
);
SELECT archive_register('grids_versions', 'grids', ARRAY['code']);
CREATE INDEX grids_current_geom ON grids_versions USING gist (geom) WHERE valid_to IS NULL;

CREATE TABLE open311_keys (
  name        text PRIMARY KEY,
  key_hash    bytea NOT NULL UNIQUE,       -- SHA-256 of the key; the key itself is shown once
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

-- one row per overdue open case per SLA run (the run is the recomputation at `computed_at`)
CREATE TABLE case_sla_runs (
  city_id     text NOT NULL,
  run_id      bigint GENERATED ALWAYS AS IDENTITY,
  computed_at timestamptz NOT NULL,
  summary     jsonb NOT NULL,
  PRIMARY KEY (city_id, run_id)
);
CREATE TABLE case_sla (
  city_id        text NOT NULL,
  run_id         bigint NOT NULL,
  case_id        text NOT NULL,
  stage          text NOT NULL,
  overdue_hours  real NOT NULL,           -- working hours past the stage deadline
  level          integer NOT NULL,        -- escalation level 1..3
  PRIMARY KEY (city_id, run_id, case_id)
);

-- photos uploaded with a request or an update (multipart), served at /open311/v2/media/{id}
CREATE TABLE case_media (
  city_id      text NOT NULL,
  id           text NOT NULL,            -- sha-256 of the bytes (hex)
  content_type text NOT NULL,
  bytes        bytea NOT NULL,
  uploaded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (city_id, id)
);
