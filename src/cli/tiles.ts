import { Command, type Option } from 'commander';
import { cliActor } from './actor.js';
import { formatBytes, Progress, table } from './output.js';
import { UsageError } from '../model/errors.js';

const zoom = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 20) throw new UsageError(`${name} must be an integer from 0 to 20, got "${v}"`);
  return n;
};
const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

/** `opencim tiles build` (the pyramid in the store) and `opencim tiles export --out city.pmtiles`. */
export function tilesCommandSpec(dbOption: () => Option): Command {
  const tiles = new Command('tiles').description('vector tiles (矢量瓦片): pre-build the pyramid in the store, export a PMTiles archive');
  tiles.command('build')
    .description('cut every tile of the city once, z minzoom..maxzoom, and keep them in the store for its current data version (瓦片金字塔); the server serves them from there')
    .addOption(dbOption())
    .option('--city <name>', 'city (default: the only one)')
    .option('--layers <ids>', 'comma-separated layers (default: all the city model and analysis layers)', list)
    .option('--minzoom <z>', 'lowest zoom (default: each layer\'s own)', zoom('--minzoom'))
    .option('--maxzoom <z>', 'highest zoom', zoom('--maxzoom'), 16)
    .option('--force', 'rebuild even when a pyramid of this data version exists')
    .option('--actor <name>', 'who builds it (default $OPENCIM_ACTOR or cli:<user>)')
    .option('--json', 'print the summary as JSON')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (o) => { await buildCommand(o); });
  tiles.command('export')
    .description('导出 PMTiles 离线地图 write the city\'s tiles as one PMTiles v3 file (all layers in each tile, gzip), to host the map statically; builds the pyramid first when it is missing')
    .requiredOption('--out <file>', 'output .pmtiles file')
    .addOption(dbOption())
    .option('--city <name>', 'city (default: the only one)')
    .option('--layers <ids>', 'comma-separated layers (default: all the city model and analysis layers)', list)
    .option('--minzoom <z>', 'lowest zoom (default: each layer\'s own)', zoom('--minzoom'))
    .option('--maxzoom <z>', 'highest zoom', zoom('--maxzoom'), 16)
    .option('--actor <name>', 'who builds the pyramid if needed (default $OPENCIM_ACTOR or cli:<user>)')
    .option('--json', 'print the summary as JSON')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (o) => { await exportCommand(o); });
  return tiles;
}

interface Common { db?: string; city?: string; layers?: string[]; minzoom?: number; maxzoom: number; actor?: string; json?: boolean; quiet?: boolean }

function zooms(o: Common): void {
  if (o.minzoom !== undefined && o.minzoom > o.maxzoom) throw new UsageError(`--minzoom (${o.minzoom}) is above --maxzoom (${o.maxzoom})`);
}

async function build(o: Common & { force?: boolean }, label: string) {
  const { openStore } = await import('../store/driver.js');
  const { buildPyramid } = await import('../server/tiles/pyramid.js');
  const store = await openStore(o.db);
  const progress = new Progress(label, o.quiet);
  // Ctrl-C / SIGTERM: the build stops at the next block and removes what it wrote
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const r = await buildPyramid(store, { signal: stop.signal,
      city: o.city, layers: o.layers, minzoom: o.minzoom, maxzoom: o.maxzoom, force: o.force, actor: cliActor(o.actor),
      onProgress: (done, total, msg) => progress.update(`${done}/${total} tiles (${total ? Math.round((100 * done) / total) : 100}%) ${msg}`),
    });
    progress.done();
    return { store, r };
  } catch (e) {
    progress.done();
    await store.close();
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal).removeListener('SIGTERM', onSignal);
  }
}

async function buildCommand(o: Common & { force?: boolean }): Promise<void> {
  zooms(o);
  const { store, r } = await build(o, 'tiles build 瓦片金字塔');
  try {
    const { coverage: _c, ...summary } = r;
    if (o.json) { process.stdout.write(JSON.stringify({ db: store.location, ...summary }, null, 2) + '\n'); return; }
    if (o.quiet) return;
    process.stdout.write(`${r.reused ? 'pyramid already built for this data version (已是当前数据版本)' : 'pyramid built (瓦片金字塔已生成)'}: city ${r.city_id}, data version ${r.data_version}, pyramid ${r.pyramid_id}\n`);
    process.stdout.write(`layers 图层: ${r.layers.join(', ')}\n`);
    process.stdout.write(table([
      ['zooms 级别', `${r.minzoom}–${r.maxzoom}`],
      ['tiles 瓦片', r.tiles],
      ['size 大小 (gzip)', formatBytes(r.bytes)],
      ...(r.reused ? [] : [['empty tiles 空瓦片', r.empty_tiles] as [string, number], ['time 用时', `${r.seconds.toFixed(1)} s`] as [string, string]]),
    ]) + '\n');
  } finally {
    await store.close();
  }
}

async function exportCommand(o: Common & { out: string }): Promise<void> {
  zooms(o);
  if (!/\.pmtiles$/i.test(o.out)) throw new UsageError(`--out must name a .pmtiles file, got "${o.out}"`);
  const { store, r } = await build(o, 'tiles export 瓦片导出');
  try {
    const { exportPmtiles } = await import('../server/tiles/pmtiles.js');
    const progress = new Progress('tiles export 瓦片导出', o.quiet);
    const e = await exportPmtiles(store, r, o.out, { layers: o.layers, minzoom: o.minzoom, maxzoom: o.maxzoom, onProgress: (done, total) => progress.update(`${done}/${total} tiles written`) });
    progress.done();
    if (o.json) { process.stdout.write(JSON.stringify({ db: store.location, pyramid_id: r.pyramid_id, data_version: r.data_version, ...e }, null, 2) + '\n'); return; }
    if (o.quiet) return;
    process.stdout.write(`wrote ${e.file} (PMTiles v3, 已导出): ${e.addressed_tiles} tiles (${e.tile_contents} distinct), z${e.minzoom}–${e.maxzoom}, ${formatBytes(e.bytes)}; layers ${e.layers.join(', ')}\n`);
  } finally {
    await store.close();
  }
}
