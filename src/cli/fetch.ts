import { fetchOverpass, parseBbox } from '../ingest/overpass.js';
import { formatBytes, Progress } from './output.js';
import { UsageError } from '../model/errors.js';

export async function fetchCommand(o: { bbox: string; out: string; url?: string; json?: boolean; quiet?: boolean }): Promise<void> {
  let bbox;
  try { bbox = parseBbox(o.bbox); } catch (e) { throw new UsageError((e as Error).message); }
  const area = (bbox[2] - bbox[0]) * (bbox[3] - bbox[1]);
  if (area > 0.25) throw new UsageError(`--bbox 范围为 ${area.toFixed(2)} 平方度，对 Overpass 过大；请改用区域数据包（.osm.pbf） / --bbox covers ${area.toFixed(2)} square degrees: too large for Overpass; use a regional extract (.osm.pbf) instead`);
  const progress = new Progress('fetch', o.quiet);
  const bytes = await fetchOverpass(bbox, o.out, { url: o.url, onBytes: (n) => progress.update(formatBytes(n)) });
  progress.done();
  const attribution = '© OpenStreetMap contributors, ODbL 1.0';
  if (o.json) process.stdout.write(JSON.stringify({ out: o.out, bytes, bbox, attribution }) + '\n');
  else process.stdout.write(`wrote ${o.out} (${formatBytes(bytes)}) ${attribution}\n`);
}
