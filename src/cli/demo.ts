import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateCity } from '../generate/index.js';
import { importCommand } from './import.js';
import { Progress } from './output.js';

/** The quick start: a generated demo city in the embedded store (no install, no network). */
export async function demoCommand(o: { db?: string; buildings: number; quiet?: boolean }) {
  const dir = './.opencim';
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `demo-city-${o.buildings}.osm.pbf`);
  if (!existsSync(file)) {
    const progress = new Progress('demo', o.quiet);
    progress.update(`generating a demo city of ${o.buildings} buildings`, true);
    await generateCity({ out: file, buildings: o.buildings, seed: 1 });
    progress.done(`generated ${file}`);
  }
  await importCommand([file], { db: o.db, city: 'demo', source: 'demo-city', quiet: o.quiet });
  process.stdout.write('\nDemo city ready 示范城市已就绪. Next: `npx opencim stats`, or import real data: `npx opencim import city.osm.pbf --city mycity`\n');
}
