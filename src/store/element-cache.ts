/**
 * The importer's memory of a source's elements (migration 016): for each OSM element that made
 * records, its fingerprint as last imported, with the digests of the rules and of the source's
 * land use that those records were made with. It lets a re-import skip the elements that are as
 * they were (store/import.ts). It is not city data and not part of the archive: it is written in
 * the import's own transaction (so it always describes the records as they stand), its tables are
 * UNLOGGED (a crash empties them, and the next import reads every element again), and anything
 * that makes it doubtful (other rules, other land use, another source in the city) means a full read.
 */
import type { Queryable } from './driver.js';
import type { TableSpec } from './tables.js';
import { copyFields } from './tables.js';
import { pieces } from '../model/pieces.js';

export interface ElementCache {
  /** digest of the code the records were made with */
  rules: string;
  /** digest of the source's land use then (the residential rule's input) */
  landUse: string;
  /** origin (`w123`, `n5`) → fingerprint */
  known: Map<string, number>;
}

export async function readElementCache(tx: Queryable, cityId: string, sourceId: string): Promise<ElementCache | undefined> {
  const set = (await tx.query<{ rules: string; land_use: string }>('SELECT rules, land_use FROM import_element_sets WHERE city_id = $1 AND source_id = $2', [cityId, sourceId]))[0];
  if (!set) return undefined;
  const known = new Map<string, number>();
  for (const { elements: text } of await tx.query<{ elements: string }>('SELECT elements FROM import_elements WHERE city_id = $1 AND source_id = $2 ORDER BY part', [cityId, sourceId])) {
    let at = 0;
    while (at < text.length) {
      let end = text.indexOf('\n', at);
      if (end < 0) end = text.length;
      const sp = text.indexOf(' ', at);
      known.set(text.slice(at, sp), Number(text.slice(sp + 1, end)));
      at = end + 1;
    }
  }
  return { rules: set.rules, landUse: set.land_use, known };
}

const PART = 50_000;

/** Record the source's elements after its import (`origin fingerprint` lines), in place of what was kept. */
export async function writeElementCache(tx: Queryable, cityId: string, sourceId: string, o: { rules: string; landUse: string; lines: string[] }): Promise<void> {
  await tx.query('DELETE FROM import_elements WHERE city_id = $1 AND source_id = $2', [cityId, sourceId]);
  for (let i = 0; i < o.lines.length; i += PART) {
    await tx.query('INSERT INTO import_elements (city_id, source_id, part, elements) VALUES ($1, $2, $3, $4)', [cityId, sourceId, i / PART, o.lines.slice(i, i + PART).join('\n')]);
  }
  await tx.query(
    `INSERT INTO import_element_sets (city_id, source_id, rules, land_use) VALUES ($1, $2, $3, $4)
     ON CONFLICT (city_id, source_id) DO UPDATE SET rules = EXCLUDED.rules, land_use = EXCLUDED.land_use`, [cityId, sourceId, o.rules, o.landUse]);
}

/** A source whose elements may no longer be trusted (another source writes the same city): forgotten. */
export async function forgetElementCache(tx: Queryable, cityId: string, sourceId: string): Promise<void> {
  await tx.query('DELETE FROM import_element_sets WHERE city_id = $1 AND source_id = $2', [cityId, sourceId]);
  await tx.query('DELETE FROM import_elements WHERE city_id = $1 AND source_id = $2', [cityId, sourceId]);
}

/**
 * The records of the skipped elements, as the source's current records whose id is the element's
 * (or the element's with a `:k` part), into the `seen_<table>` key tables: present in the file,
 * unchanged. Returns how many per table.
 */
export async function markSkippedSeen(tx: Queryable, tables: TableSpec[], cityId: string, sourceId: string, skipped: string[]): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  if (!skipped.length) return seen;
  await tx.exec('DROP TABLE IF EXISTS seen_elements; CREATE TEMP TABLE seen_elements (origin text) ON COMMIT DROP');
  await tx.copyIn('seen_elements', ['origin'], pieces(skipped.map((d) => `${copyFields([d])}\n`)));
  await tx.exec('ANALYZE seen_elements');
  for (const t of tables) {
    const keys = t.key.join(', ');
    const n = await tx.execute(
      `INSERT INTO seen_${t.table} (${keys}) SELECT ${t.key.map((k) => `c.${k}`).join(', ')} FROM ${t.archive.current} c
       WHERE c.city_id = $1 AND c.source_id = $2 AND split_part(c.id, ':', 1) IN (SELECT origin FROM seen_elements)`, [cityId, sourceId]);
    if (n) seen.set(t.table, n);
  }
  await tx.exec('DROP TABLE seen_elements');
  return seen;
}
