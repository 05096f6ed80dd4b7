import type { Queryable } from './driver.js';

/**
 * Planner statistics made fresh where they went stale: ANALYZE of the tables among `tables` that
 * were never analysed, or that grew by more than a tenth since their statistics were taken (their
 * size now against the pages the statistics counted). One test for both drivers: PGlite keeps no
 * modification counters and runs no autovacuum; on a server it spares what autovacuum or an
 * import already analysed (an ANALYZE samples 30,000 rows of a table whatever its size: ~2 s for
 * the eight city tables of a 1M-building city, on every check of every city of a province).
 * Returns the tables analysed.
 */
export async function analyzeStale(q: Queryable, tables: string[], onTable?: (table: string) => void): Promise<string[]> {
  const stale = (await q.query<{ t: string }>(
    `SELECT c.relname AS t FROM pg_class c
      WHERE c.oid = ANY($1::regclass[])
        AND (c.reltuples < 0 OR pg_relation_size(c.oid) > 1.1 * greatest(c.relpages, 1)::float8 * current_setting('block_size')::int)
      ORDER BY 1`, [tables])).map((r) => r.t);
  for (const t of stale) {
    onTable?.(t);
    await q.exec(`ANALYZE ${t.replace(/[^a-z0-9_]/g, '')}`);
  }
  return stale;
}
