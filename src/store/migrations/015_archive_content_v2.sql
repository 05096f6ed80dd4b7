-- The content hash, second form: the same facts at about a third of the database's work.
--
-- The first form (migration 004) hashed the content as a JSON object without nulls. Building that
-- object (jsonb_build_object, then jsonb_strip_nulls, then its text) was ~6 µs a row: most of
-- the cost of writing a version. The second form hashes `name:'literal'` pairs in column-name
-- order, joined by commas, NULLs left out (so a column added later still keeps old hashes), then
-- the geometry as hex EWKB, as before. Literals are quote_literal of the value's text, which is
-- unambiguous; dates, timestamps and floats render by the session settings the archive fixes for
-- every write and every verify (ISO dates, UTC, shortest exact floats: archive.ts, archiveSession).
--
-- Versions written before this migration keep their first-form hashes: a version whose change set
-- is at most `archive_formats.content_v1_until` is checked, and compared on re-import, with the
-- first form (archive_content_sql_v1). Nothing stored is rewritten; `archive verify` stays exact.

ALTER FUNCTION archive_content_sql(regclass, text) RENAME TO archive_content_sql_v1;

CREATE FUNCTION archive_content_sql(tbl regclass, alias text) RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
  pairs text;
BEGIN
  SELECT string_agg(
           CASE WHEN a.attname = 'geom' THEN format('''geom:'' || encode(ST_AsEWKB(%I.geom), ''hex'')', alias)
                WHEN a.atttypid = 'text'::regtype THEN format('%L || quote_literal(%I.%I)', a.attname || ':', alias, a.attname)
                ELSE format('%L || quote_literal(%I.%I::text)', a.attname || ':', alias, a.attname) END,
           ', ' ORDER BY a.attname)
    INTO pairs
    FROM pg_attribute a
   WHERE a.attrelid = tbl AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> ALL (archive_envelope());
  RETURN format('sha256(convert_to(concat_ws('','', %s), ''UTF8''))', pairs);
END $$;

-- which change sets wrote first-form hashes: every one recorded before this migration
CREATE TABLE archive_formats (
  one               boolean PRIMARY KEY DEFAULT true CHECK (one),
  content_v1_until  bigint NOT NULL
);
INSERT INTO archive_formats (content_v1_until) SELECT coalesce(max(changeset_id), 0) FROM changesets;
CREATE FUNCTION archive_formats_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'archive_formats is fixed: % refused (it says which hash form each stored version has)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER archive_formats_fixed BEFORE UPDATE OR DELETE ON archive_formats FOR EACH ROW EXECUTE FUNCTION archive_formats_guard();
