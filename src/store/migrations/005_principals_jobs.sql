-- People and roles (issue 9 §3): named principals with roles; only the SHA-256 of a token is kept.
CREATE TABLE principals (
  name        text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$'),
  roles       text[] NOT NULL CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['viewer','editor','inspector','dispatcher','grid_worker','department','supervisor','admin']),
  token_hash  text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text NOT NULL,
  revoked_at  timestamptz,
  revoked_by  text
);

-- who last renamed a city (PATCH /api/v1/cities/{city})
ALTER TABLE cities ADD COLUMN updated_at timestamptz, ADD COLUMN updated_by text;

-- Jobs (issue 9 §2): one row per job whatever the runner (in-process on PGlite, pg-boss on a server).
-- The job's own writes and its `succeeded` status commit in one transaction.
CREATE TABLE jobs (
  job_id       bigserial PRIMARY KEY,
  kind         text NOT NULL,
  params       jsonb NOT NULL,
  status       text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  runner       text NOT NULL CHECK (runner IN ('in-process', 'pg-boss')),
  actor        text NOT NULL,
  scheduled    boolean NOT NULL DEFAULT false,
  queue_id     text,
  attempts     integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL DEFAULT 1,
  worker       text,
  progress     real,
  message      text,
  result       jsonb,
  error        text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  started_at   timestamptz,
  finished_at  timestamptz
);
CREATE INDEX jobs_status ON jobs (status, job_id);
CREATE INDEX jobs_kind ON jobs (kind, created_at);
CREATE UNIQUE INDEX jobs_queue_id ON jobs (queue_id);
