-- The city archive (城市建设档案): every kept record is versioned, append-only, hash-chained.
--
-- A versioned table `<name>_versions` holds every version of every record: its key columns, its
-- content columns, and the envelope below (filled by src/store/archive.ts only). `<name>_current`
-- is the view of what is true now (valid_to IS NULL). Who/when/why of a version come from its
-- change set (`changesets`: actor, reason, recorded_at). History is append-only: a trigger refuses
-- DELETE and TRUNCATE, and allows one UPDATE per version: closing it (valid_to and closed_by set,
-- nothing else changed) when a newer version or a removal supersedes it.
--
-- Tamper evidence: content_hash = sha256 of the content (archive_content_sql); hash = sha256 of
-- (previous version's hash, content_hash, kind, key, version, change set); each change set seals a
-- digest over the versions it wrote and closed, chained into the city's archive head (seq order).
-- `opencim archive verify` recomputes all of it.

CREATE TABLE changesets (
  changeset_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  city_id      text NOT NULL,
  kind         text NOT NULL,            -- import | edit | migration | ...
  actor        text NOT NULL,
  reason       text NOT NULL,
  source_id    text,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  -- set once, when sealed:
  seq          integer,                  -- position in the city's chain (1, 2, ...)
  counts       jsonb,
  digest       bytea,
  prev_head    bytea,
  head         bytea
);
CREATE UNIQUE INDEX changesets_seq_idx ON changesets (city_id, seq);

-- which tables are versioned (for verify, history and changes)
CREATE TABLE archive_tables (
  kind       text PRIMARY KEY,
  table_name text NOT NULL UNIQUE,
  key        text[] NOT NULL,
  has_geom   boolean NOT NULL
);

CREATE FUNCTION archive_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR TG_OP = 'TRUNCATE' THEN
    RAISE EXCEPTION 'the archive is append-only: % on % refused (records are closed, never deleted)', TG_OP, TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.valid_to IS NULL AND NEW.valid_to IS NOT NULL AND NEW.closed_by IS NOT NULL
     AND (to_jsonb(NEW) - 'valid_to' - 'closed_by') = (to_jsonb(OLD) - 'valid_to' - 'closed_by') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'the archive is append-only: a version of % can only be closed once, never changed', TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE FUNCTION changeset_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.head IS NULL
     AND (to_jsonb(NEW) - 'seq' - 'counts' - 'digest' - 'prev_head' - 'head') = (to_jsonb(OLD) - 'seq' - 'counts' - 'digest' - 'prev_head' - 'head') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'change sets are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER changesets_append_only BEFORE UPDATE OR DELETE ON changesets FOR EACH ROW EXECUTE FUNCTION changeset_guard();
CREATE TRIGGER changesets_no_truncate BEFORE TRUNCATE ON changesets FOR EACH STATEMENT EXECUTE FUNCTION archive_guard();

-- the envelope columns: never part of the content. import_fp (city model only) is the importer's
-- fingerprint of the input row a version came from: a re-import skips rows whose input is unchanged
-- without parsing them; the content hash stays the archive's truth.
CREATE FUNCTION archive_envelope() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY['city_id', 'version', 'valid_from', 'valid_to', 'changeset_id', 'closed_by', 'source_id', 'content_hash', 'prev_hash', 'hash', 'import_fp']
$$;

-- The SQL expression of a row's content hash (alias = the row's alias), from the table's columns:
-- the non-envelope columns as a JSON object without nulls (so a column added later keeps old hashes)
-- followed by the geometry as hex EWKB. The one definition: writes, the migration and verify use it.
CREATE FUNCTION archive_content_sql(tbl regclass, alias text) RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
  pairs text;
  geom boolean;
BEGIN
  SELECT string_agg(format('%L, %I.%I', a.attname, alias, a.attname), ', ' ORDER BY a.attname)
    INTO pairs
    FROM pg_attribute a
   WHERE a.attrelid = tbl AND a.attnum > 0 AND NOT a.attisdropped
     AND a.attname <> ALL (archive_envelope()) AND a.attname <> 'geom';
  SELECT bool_or(a.attname = 'geom') INTO geom FROM pg_attribute a WHERE a.attrelid = tbl AND a.attnum > 0 AND NOT a.attisdropped;
  RETURN format('sha256(convert_to(jsonb_strip_nulls(jsonb_build_object(%s))::text%s, ''UTF8''))',
    pairs, CASE WHEN geom THEN format(' || coalesce(encode(ST_AsEWKB(%I.geom), ''hex''), '''')', alias) ELSE '' END);
END $$;

-- a version's chained hash
CREATE FUNCTION archive_chain_hash(prev bytea, content bytea, kind text, key text, version integer, changeset bigint)
RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT sha256(coalesce(prev, '\x'::bytea) || content || convert_to(kind || '|' || key || '|' || version || '|' || changeset, 'UTF8'))
$$;

-- what a closing contributes to its change set's digest
CREATE FUNCTION archive_close_mark(hash bytea, valid_to timestamptz) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT sha256(hash || convert_to('closed@' || floor(extract(epoch FROM valid_to) * 1000000)::bigint, 'UTF8'))
$$;

-- a change set's link in the city chain
CREATE FUNCTION archive_head_hash(prev bytea, digest bytea, changeset bigint, city text, kind text, actor text, reason text, recorded_at timestamptz, seq integer)
RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT sha256(coalesce(prev, '\x'::bytea) || digest || convert_to(
    changeset || '|' || city || '|' || kind || '|' || actor || '|' || reason || '|' || floor(extract(epoch FROM recorded_at) * 1000000)::bigint || '|' || seq, 'UTF8'))
$$;

-- Make `tbl` (named <name>_versions, with the envelope columns) a versioned table of record kind `kind`:
-- the append-only trigger, the view <name>_current, the indexes the archive needs.
CREATE FUNCTION archive_register(tbl text, kind text, key text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  base text := regexp_replace(tbl, '_versions$', '');
  keycols text := (SELECT string_agg(quote_ident(k), ', ') FROM unnest(key) k);
  geom boolean;
BEGIN
  IF base = tbl THEN RAISE EXCEPTION 'a versioned table is named <name>_versions, got %', tbl; END IF;
  SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = tbl::regclass AND attname = 'geom' AND NOT attisdropped) INTO geom;
  EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION archive_guard()', base || '_append_only', tbl);
  EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION archive_guard()', base || '_no_truncate', tbl);
  EXECUTE format('CREATE UNIQUE INDEX %I ON %I (city_id, %s) WHERE valid_to IS NULL', base || '_current_idx', tbl, keycols);
  EXECUTE format('CREATE INDEX %I ON %I (changeset_id)', base || '_changeset_idx', tbl);
  EXECUTE format('CREATE INDEX %I ON %I (closed_by) WHERE closed_by IS NOT NULL', base || '_closed_idx', tbl);
  EXECUTE format('CREATE VIEW %I AS SELECT * FROM %I WHERE valid_to IS NULL', base || '_current', tbl);
  INSERT INTO archive_tables (kind, table_name, key, has_geom) VALUES (kind, tbl, key, geom);
END $$;

-- ---- the city model becomes versioned: existing records are version 1 of a migration change set ----
INSERT INTO changesets (city_id, kind, actor, reason, recorded_at)
SELECT c.city_id, 'migration', 'system:migration-004', 'archive introduced: the records held become version 1',
       coalesce((SELECT max(imported_at) FROM sources s WHERE s.city_id = c.city_id), now())
FROM cities c;

DO $$
DECLARE
  t record;
  expr text;
  keyexpr text;
BEGIN
  FOR t IN SELECT * FROM (VALUES
      ('buildings', 'buildings', ARRAY['id']), ('facilities', 'facilities', ARRAY['id', 'category']),
      ('green_spaces', 'green_spaces', ARRAY['id']), ('land_use', 'land_use', ARRAY['id']),
      ('admin_areas', 'admin_areas', ARRAY['id']), ('walk_edges', 'walk_edges', ARRAY['id'])) v(name, kind, key)
  LOOP
    EXECUTE format('ALTER TABLE %I RENAME TO %I', t.name, t.name || '_versions');
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', t.name || '_versions', t.name || '_pkey');
    EXECUTE format('ALTER TABLE %I ADD COLUMN version integer NOT NULL DEFAULT 1, ADD COLUMN valid_from timestamptz,
      ADD COLUMN valid_to timestamptz, ADD COLUMN changeset_id bigint, ADD COLUMN closed_by bigint,
      ADD COLUMN content_hash bytea, ADD COLUMN prev_hash bytea, ADD COLUMN hash bytea, ADD COLUMN import_fp bigint', t.name || '_versions');
    EXECUTE format('UPDATE %I v SET changeset_id = c.changeset_id, valid_from = c.recorded_at FROM changesets c WHERE c.city_id = v.city_id',
      t.name || '_versions');
    expr := archive_content_sql((t.name || '_versions')::regclass, 'v');
    EXECUTE format('UPDATE %I v SET content_hash = %s', t.name || '_versions', expr);
    keyexpr := (SELECT string_agg(format('v.%I', k), ' || ''|'' || ') FROM unnest(t.key) k);
    EXECUTE format('UPDATE %I v SET hash = archive_chain_hash(NULL, v.content_hash, %L, %s, v.version, v.changeset_id)', t.name || '_versions', t.kind, keyexpr);
    EXECUTE format('ALTER TABLE %I ALTER COLUMN version DROP DEFAULT, ALTER COLUMN valid_from SET NOT NULL, ALTER COLUMN changeset_id SET NOT NULL,
      ALTER COLUMN content_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL', t.name || '_versions');
    EXECUTE format('ALTER TABLE %I ADD PRIMARY KEY (city_id, %s, version)', t.name || '_versions',
      (SELECT string_agg(quote_ident(k), ', ') FROM unnest(t.key) k));
    PERFORM archive_register(t.name || '_versions', t.kind, t.key);
  END LOOP;
END $$;

-- seal the migration change sets (digest over the versions they hold, first link of each city's chain)
UPDATE changesets c SET seq = 1, counts = jsonb_build_object('migrated', true),
  digest = d.digest, prev_head = NULL,
  head = archive_head_hash(NULL, d.digest, c.changeset_id, c.city_id, c.kind, c.actor, c.reason, c.recorded_at, 1)
FROM (
  SELECT cs.changeset_id, sha256(coalesce((
    SELECT string_agg(h, ''::bytea ORDER BY h) FROM (
      SELECT hash AS h FROM buildings_versions WHERE changeset_id = cs.changeset_id
      UNION ALL SELECT hash FROM facilities_versions WHERE changeset_id = cs.changeset_id
      UNION ALL SELECT hash FROM green_spaces_versions WHERE changeset_id = cs.changeset_id
      UNION ALL SELECT hash FROM land_use_versions WHERE changeset_id = cs.changeset_id
      UNION ALL SELECT hash FROM admin_areas_versions WHERE changeset_id = cs.changeset_id
      UNION ALL SELECT hash FROM walk_edges_versions WHERE changeset_id = cs.changeset_id) x), ''::bytea)) AS digest
  FROM changesets cs WHERE cs.kind = 'migration'
) d WHERE d.changeset_id = c.changeset_id;

-- objects that more than one source holds (a source's re-import then closes only what no other source still has)
CREATE TABLE source_holdings (
  city_id   text NOT NULL,
  kind      text NOT NULL,
  key       text NOT NULL,
  source_id text NOT NULL,
  PRIMARY KEY (city_id, kind, key, source_id)
);

-- ---- runs: every analysis run, its parameters, inputs' data version, status, actor and times ----
CREATE TABLE runs (
  city_id     text NOT NULL,
  run_id      bigint GENERATED BY DEFAULT AS IDENTITY,
  kind        text NOT NULL,             -- access | check | carbon | safety ... (the use case)
  status      text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  params      jsonb NOT NULL DEFAULT '{}',
  -- the data the run read: the city's archive head (change set seq and head hash) and the sources
  inputs      jsonb NOT NULL DEFAULT '{}',
  actor       text NOT NULL,
  job_id      text,
  started_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at timestamptz,
  error       text,
  summary     jsonb,
  PRIMARY KEY (city_id, run_id),
  UNIQUE (run_id)
);
CREATE INDEX runs_kind_idx ON runs (city_id, kind, run_id DESC) WHERE status = 'succeeded';

-- existing access and check runs become runs (check run ids are shifted past the access ones)
INSERT INTO runs (city_id, run_id, kind, status, params, inputs, actor, started_at, finished_at)
SELECT city_id, run_id, 'access', 'succeeded', params, jsonb_build_object('sources', provenance), 'system:migration-004', computed_at, computed_at FROM access_runs;
DO $$
DECLARE shift bigint := coalesce((SELECT max(run_id) FROM access_runs), 0);
BEGIN
  ALTER TABLE check_runs ALTER COLUMN run_id DROP IDENTITY;
  UPDATE check_areas SET run_id = run_id + shift;
  UPDATE indicator_results SET run_id = run_id + shift;
  UPDATE check_problems SET run_id = run_id + shift;
  UPDATE renewal_candidates SET run_id = run_id + shift;
  UPDATE check_runs SET run_id = run_id + shift;
END $$;
INSERT INTO runs (city_id, run_id, kind, status, params, inputs, actor, started_at, finished_at)
SELECT city_id, run_id, 'check', 'succeeded', params, jsonb_build_object('sources', provenance), 'system:migration-004', computed_at, computed_at FROM check_runs;
SELECT setval(pg_get_serial_sequence('runs', 'run_id'), greatest(coalesce((SELECT max(run_id) FROM runs), 0), 1), (SELECT count(*) > 0 FROM runs));
ALTER TABLE access_runs ALTER COLUMN run_id DROP IDENTITY;

-- access results are kept per run (append-only), the current ones are those of the latest run
ALTER TABLE access_results DROP CONSTRAINT access_results_pkey;
ALTER TABLE access_results ADD PRIMARY KEY (city_id, run_id, building_id);
DROP INDEX access_results_run_idx;
CREATE VIEW access_results_current AS
SELECT r.* FROM access_results r
JOIN (SELECT city_id, max(run_id) AS run_id FROM access_runs GROUP BY city_id) u ON u.city_id = r.city_id AND u.run_id = r.run_id;

-- the long view reads the current results only (as before, when only the latest run was kept)
CREATE OR REPLACE VIEW access_distances AS
SELECT r.city_id, r.building_id, r.run_id, c.category, r.distances[c.ord] AS distance_m, r.residents, r.status
FROM access_results_current r
JOIN access_runs u ON u.city_id = r.city_id AND u.run_id = r.run_id
CROSS JOIN LATERAL unnest(u.categories) WITH ORDINALITY AS c(category, ord);
