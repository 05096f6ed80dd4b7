import { openStore } from '../store/driver.js';
import { cityStats } from '../store/stats.js';
import { parseArchiveTime } from '../store/archive.js';
import { categoryById } from '../model/taxonomy.js';
import { table } from './output.js';

export async function statsCommand(o: { db?: string; city?: string; json?: boolean; asOf?: string }): Promise<void> {
  const asOf = o.asOf === undefined ? undefined : parseArchiveTime(o.asOf);
  const store = await openStore(o.db);
  try {
    const stats = await cityStats(store, o.city, asOf);
    if (o.json) { process.stdout.write(JSON.stringify({ db: store.location, driver: store.kind, as_of: asOf ?? null, cities: stats }, null, 2) + '\n'); return; }
    if (asOf) process.stdout.write(`as of 截至 ${asOf}\n`);
    if (!stats.length) { process.stdout.write(`no city data in ${store.location} yet: run \`opencim import FILE\` or \`opencim demo\`\n`); return; }
    for (const s of stats) {
      process.stdout.write(`city ${s.city_id}  (${store.kind} ${store.location})\n`);
      process.stdout.write(table([
        ...Object.entries(s.counts).map(([k, n]) => [k, n]),
        ['residential buildings', s.residential_buildings],
      ]) + '\n');
      if (s.bbox) process.stdout.write(`bbox: ${s.bbox.map((v) => v.toFixed(6)).join(',')}\n`);
      if (Object.keys(s.categories).length) {
        process.stdout.write('facilities by category:\n');
        process.stdout.write(table(Object.entries(s.categories).map(([c, n]) => [`  ${c}`, categoryById.get(c)?.name_zh ?? '', n])) + '\n');
      }
      process.stdout.write('sources:\n');
      process.stdout.write(table(s.sources.map((src) => [`  ${src.source_id}`, src.format ?? '-', src.version ?? '-', src.imported_at, src.path ?? '(imported again since 此后已重新导入)'])) + '\n');
    }
  } finally {
    await store.close();
  }
}
