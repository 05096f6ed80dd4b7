import { generateCity, type GenerateSummary } from '../generate/index.js';
import { formatBytes, Progress } from './output.js';

export async function generateCommand(o: { out: string; buildings: number; seed: number; json?: boolean; quiet?: boolean }) {
  const t0 = Date.now();
  const progress = new Progress('generate', o.quiet);
  const summary = await generateCity({
    out: o.out, buildings: o.buildings, seed: o.seed,
    onProgress: (done, total) => progress.update(`${Math.round((100 * done) / Math.max(1, total))}%`),
  });
  progress.done(`${o.out} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.stdout.write(o.json ? JSON.stringify(summary, null, 2) + '\n' : formatSummary(summary));
  return summary;
}

const n = (v: number) => v.toLocaleString('en');

/** what was generated, for a person (the whole summary with --json) */
function formatSummary(s: GenerateSummary): string {
  const missing = Object.entries(s.facilities).filter(([, k]) => !k).map(([c]) => c);
  return [
    `生成城市 generated ${s.file} (${s.format}, ${formatBytes(s.bytes)}, seed ${s.seed}): 区 district ${s.district}`,
    `  建筑 buildings ${n(s.buildings)} (住宅 residential ${n(s.residentialBuildings)}; > 80 m ${n(s.buildingsOver80m)}, > 100 m ${n(s.buildingsOver100m)}); ` +
      `居住用地 residential areas ${n(s.residentialAreas)}; 公园 parks ${n(s.parks)}`,
    `  设施 facilities ${n(Object.values(s.facilities).reduce((a, b) => a + b, 0))} in ${Object.keys(s.facilities).length - missing.length} categories` +
      (missing.length ? ` (none of 无: ${missing.join(', ')})` : ''),
    `  行政区划 admin areas: 街道 streets ${n(s.adminAreas.street)}, 社区 communities ${n(s.adminAreas.community)}; 道路 highways ${n(s.highways)} (步行 walkable ${n(s.walkableWays)})`,
    `  OSM: ${n(s.nodes)} nodes, ${n(s.ways)} ways, ${n(s.relations)} relations; bbox ${s.bbox.map((v) => v.toFixed(4)).join(',')}`,
    '',
  ].join('\n');
}
