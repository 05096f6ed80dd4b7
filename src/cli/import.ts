import { openStore, resolveDb } from '../store/driver.js';
import { checkImportSpace } from '../store/space.js';
import type { SourceSummary } from '../store/import.js';
import { importFiles } from '../app/import.js';
import { cliActor } from './actor.js';
import { formatBytes, Progress, table } from './output.js';
import { readingOptions, type ReadingFlags } from './reading.js';

export interface ImportOptions extends ReadingFlags {
  db?: string;
  city: string;
  source?: string;
  json?: boolean;
  quiet?: boolean;
  allowDistant?: boolean;
  workers?: number;
  actor?: string;
  reason?: string;
  kind?: 'population';
  year?: number;
}

/** `opencim import FILE...`: all files in one transaction; nothing written on any error. */
export async function importCommand(files: string[], o: ImportOptions): Promise<SourceSummary[]> {
  if (o.kind === 'population') {
    const { populationImportCommand } = await import('../app/population.js');
    for (const f of files) await populationImportCommand(f, { ...o, kind: undefined, actor: cliActor(o.actor) });
    return [];
  }
  const t0 = Date.now();
  const progress = new Progress('import', o.quiet);
  checkImportSpace(resolveDb(o.db), files);
  const store = await openStore(o.db, { create: true });
  let summaries: SourceSummary[];
  try {
    summaries = await importFiles(store, files, {
      city: o.city, actor: cliActor(o.actor), reason: o.reason,
      sourceId: o.source, ...readingOptions(o), workers: o.workers, allowDistant: o.allowDistant,
      onBytes: (file, read, total) => progress.update(`${file} ${formatBytes(read)} / ${formatBytes(total)}`),
      onProgress: (e) => progress.update(`${e.source}: ${e.records.toLocaleString('en')} records`),
    });
  } finally {
    await store.close();
  }
  progress.done(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s (${store.kind} ${store.location})`);
  if (o.json) {
    process.stdout.write(JSON.stringify({ city: o.city, db: store.location, driver: store.kind, seconds: (Date.now() - t0) / 1000, sources: summaries }, null, 2) + '\n');
  } else {
    for (const s of summaries) process.stdout.write(formatSummary(s) + '\n');
  }
  return summaries;
}

export function formatSummary(s: SourceSummary): string {
  const rows: (string | number)[][] = [
    ['buildings 建筑', s.counts.buildings ?? 0],
    ['  residential 住宅', s.residential_buildings],
    ['facilities 设施', s.counts.facilities ?? 0],
    ['green spaces 绿地', s.counts.green_spaces ?? 0],
    ['land-use parcels 用地', s.counts.land_use ?? 0],
    ['admin areas 行政区', s.counts.admin_areas ?? 0],
    ['walkable ways 步行路网', s.counts.walk_edges ?? 0],
  ];
  const cats = Object.entries(s.categories).map(([c, n]) => `${c} ${n}`).join(', ');
  const lines = [
    `${s.source_id} (${s.format}${s.version ? `, ${s.version}` : ''})`,
    table(rows),
    cats ? `facility categories: ${cats}` : 'facility categories: none',
  ];
  if (s.repaired) lines.push(`repaired invalid geometries (ST_MakeValid): ${s.repaired}`);
  if (s.changed || s.removed || s.unchanged) {
    lines.push(`archive 档案 (change set ${s.changeset}): ${s.added} added 新增, ${s.changed} changed 变更, ${s.unchanged} unchanged 未变, ${s.removed} removed 移除`
      + (s.elements_skipped ? `; ${s.elements_skipped} elements as imported last time, not read again 未变要素免读` : ''));
  }
  if (s.problems.length) {
    lines.push(`问题 problems (${s.problems.length}, 均已记录、未静默丢弃 not silently dropped):`);
    for (const p of s.problems.slice(0, 10)) lines.push(`  ${p.id}: ${p.problem}`);
    if (s.problems.length > 10) lines.push(`  ... 另有 ${s.problems.length - 10} 条 ${s.problems.length - 10} more (opencim import --json 列出全部 lists them all)`);
  }
  return lines.join('\n');
}
