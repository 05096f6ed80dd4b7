import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const DEFAULT_OVERPASS_URL = 'https://overpass-api.de/api/interpreter';

export type Bbox = [number, number, number, number];

export function parseBbox(s: string): Bbox {
  const parts = s.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 4 || parts.some((v) => !Number.isFinite(v))) throw new Error(`--bbox 应为以度为单位的 W,S,E,N（西,南,东,北），实为 "${s}" / --bbox must be W,S,E,N in degrees, got "${s}"`);
  const [w, so, e, n] = parts;
  if (w < -180 || e > 180 || so < -90 || n > 90 || w >= e || so >= n) throw new Error(`--bbox ${s}：须满足 -180 ≤ W < E ≤ 180 且 -90 ≤ S < N ≤ 90 / --bbox ${s}: need -180 ≤ W < E ≤ 180 and -90 ≤ S < N ≤ 90`);
  return [w, so, e, n];
}

/** Everything in the box, with the nodes of ways and the members of relations, as OSM XML with metadata. */
export function overpassQuery([w, s, e, n]: Bbox, timeoutS = 600): string {
  return `[out:xml][timeout:${timeoutS}][maxsize:2147483648];(node(${s},${w},${n},${e});way(${s},${w},${n},${e});relation(${s},${w},${n},${e}););(._;>;);out meta;`;
}

/**
 * Download an area from an Overpass API endpoint to `out`, atomically (temp file then rename):
 * an interrupted or failed download never leaves a half-written file.
 */
export async function fetchOverpass(bbox: Bbox, out: string, opts: { url?: string; onBytes?: (n: number) => void } = {}): Promise<number> {
  const url = opts.url ?? DEFAULT_OVERPASS_URL;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'opencim (https://github.com/opencim)' },
      body: new URLSearchParams({ data: overpassQuery(bbox) }).toString(),
    });
  } catch (e) {
    const why = (e as Error & { cause?: Error }).cause?.message ?? (e as Error).message;
    throw new Error(`无法连接 ${url}：${why}（未联网？可用 --url 指定另一个服务地址） / cannot reach ${url}: ${why} (offline? give another endpoint with --url)`);
  }
  if (!res.ok || !res.body) {
    const text = (await res.text().catch(() => '')).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300);
    throw new Error(`${url} 返回 HTTP ${res.status}${text ? `：${text}` : ''} / ${url} answered HTTP ${res.status}${text ? `: ${text}` : ''}`);
  }
  const tmp = `${out}.part-${process.pid}`;
  let bytes = 0;
  let head = '';
  const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (c: Buffer) => {
    if (head.length < 512) head += c.toString('utf8', 0, Math.min(c.length, 512));
    bytes += c.length;
    opts.onBytes?.(bytes);
  });
  try {
    await pipeline(body, createWriteStream(tmp));
    const t = head.trimStart();
    if (!(t.startsWith('<?xml') || t.startsWith('<osm'))) throw new Error(`${url} 返回的不是 OSM XML（开头为 "${t.slice(0, 60)}"） / ${url} did not return OSM XML (starts with "${t.slice(0, 60)}")`);
    if (/<remark>\s*runtime error/i.test(head)) {
      const remark = /<remark>([^<]*)/.exec(head)?.[1]?.trim();
      throw new Error(`${url} 报告运行错误：${remark} / ${url} reported a runtime error: ${remark}`);
    }
    await rename(tmp, out);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return bytes;
}
