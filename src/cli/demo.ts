import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateCity } from '../generate/index.js';
import { sha256File } from '../ingest/index.js';
import { openStore } from '../store/driver.js';
import { importCommand } from './import.js';
import { Progress } from './output.js';

export interface DemoOptions { db?: string; buildings: number; port: number; host: string; serve: boolean; json?: boolean; quiet?: boolean }

const CITY = 'demo';
const SOURCE = 'demo-city';

/**
 * The quick start, with no install and no network: generate the demo city, import it into the
 * embedded store, compute walking accessibility and the health check, then serve the viewer.
 * Steps already done for the same demo file are skipped on the next run.
 */
export async function demoCommand(o: DemoOptions): Promise<void> {
  const dir = resolve('.opencim');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `demo-city-${o.buildings}.osm.pbf`);
  const reportDir = join(dir, 'demo-report');
  const progress = new Progress('demo', o.quiet);
  if (!existsSync(file)) {
    progress.update(`generating a demo city of ${o.buildings} buildings 生成示范城市`, true);
    await generateCity({ out: file, buildings: o.buildings, seed: 1 });
    progress.done(`generated ${file}`);
  }
  const sha = await sha256File(file);
  const store = await openStore(o.db, { create: true });
  let current = false;
  try {
    const rows = await store.query<{ sha256: string }>('SELECT sha256 FROM sources WHERE city_id = $1 AND source_id = $2', [CITY, SOURCE]);
    current = rows[0]?.sha256 === sha && existsSync(join(reportDir, 'report.html'));
  } finally {
    await store.close();
  }
  if (current) {
    progress.done('the demo city is already imported and checked (delete .opencim/ to start over)');
  } else {
    await importCommand([file], { db: o.db, city: CITY, source: SOURCE, quiet: o.quiet });
    const { accessCommand } = await import('./access.js');
    await accessCommand(undefined, { db: o.db, city: CITY, quiet: o.quiet });
    const { checkCommand } = await import('./check.js');
    await checkCommand(undefined, { db: o.db, city: CITY, out: reportDir, name: '示范城市 Demo city', quiet: o.quiet });
  }
  const report = join(reportDir, 'report.html');
  if (o.json) process.stdout.write(JSON.stringify({ city: CITY, file, report }) + '\n');
  else process.stdout.write(`\nDemo city ready 示范城市已就绪: health check report ${report}\n`);
  if (!o.serve) return;
  const { serveCommand } = await import('./serve.js');
  await serveCommand({ db: o.db, port: o.port, host: o.host, report: reportDir, json: o.json, quiet: o.quiet });
}
