/** Test helpers: run osmium, parse its OPL output into a small in-memory model. */
import { spawnSync } from 'node:child_process';

/** Run osmium; resolves to stdout (and stderr appended when `withStderr`); throws on a non-zero exit. */
export function osmium(args: string[], opts: { withStderr?: boolean } = {}): string {
  const r = spawnSync('osmium', args, { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('osmium not found: install the Debian package osmium-tool');
    throw r.error;
  }
  if (r.status !== 0) throw new Error(`osmium ${args.join(' ')} exited with ${r.status}: ${r.stderr}${r.stdout}`);
  return opts.withStderr ? r.stdout + r.stderr : r.stdout;
}

export interface FileInfo {
  header: { boxes: number[][]; option: Record<string, string> };
  data: { bbox: number[]; objects_ordered: boolean; count: { nodes: number; ways: number; relations: number } };
}
export function fileinfo(path: string): FileInfo {
  return JSON.parse(osmium(['fileinfo', '-e', '-j', path])) as FileInfo;
}

/** `osmium tags-count FILE expr...` as a map "key" / "key=value" → count */
export function tagsCount(path: string, exprs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of exprs) out[e] = 0;
  const text = osmium(['tags-count', path, ...exprs]);
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const [n, k, v] = line.split('\t');
    const key = JSON.parse(k) as string;
    const name = v === undefined ? key : `${key}=${JSON.parse(v) as string}`;
    out[name] = Number(n);
  }
  return out;
}

export type Tags = Record<string, string>;
export interface ONode {
  id: number;
  lon: number;
  lat: number;
  tags: Tags;
}
export interface OWay {
  id: number;
  refs: number[];
  tags: Tags;
}
export interface ORelation {
  id: number;
  members: { type: 'n' | 'w' | 'r'; ref: number; role: string }[];
  tags: Tags;
}
export interface OsmData {
  nodes: Map<number, ONode>;
  ways: Map<number, OWay>;
  relations: Map<number, ORelation>;
}

const unescape = (s: string) => s.replace(/%([0-9a-fA-F]+)%/g, (_, h: string) => String.fromCodePoint(parseInt(h, 16)));

function parseTags(s: string): Tags {
  const t: Tags = {};
  if (!s) return t;
  for (const kv of s.split(',')) {
    const i = kv.indexOf('=');
    t[unescape(kv.slice(0, i))] = unescape(kv.slice(i + 1));
  }
  return t;
}

/** Parse OPL text as written by `osmium cat -f opl`. */
export function parseOpl(text: string): OsmData {
  const d: OsmData = { nodes: new Map(), ways: new Map(), relations: new Map() };
  for (const line of text.split('\n')) {
    if (!line) continue;
    const fields = line.split(' ');
    const id = Number(fields[0].slice(1));
    const f: Record<string, string> = {};
    for (const x of fields.slice(1)) f[x[0]] = x.slice(1);
    const tags = parseTags(f.T ?? '');
    if (line[0] === 'n') d.nodes.set(id, { id, lon: Number(f.x), lat: Number(f.y), tags });
    else if (line[0] === 'w') d.ways.set(id, { id, refs: f.N ? f.N.split(',').map((r) => Number(r.slice(1))) : [], tags });
    else if (line[0] === 'r')
      d.relations.set(id, {
        id,
        tags,
        members: f.M
          ? f.M.split(',').map((m) => {
              const at = m.indexOf('@');
              return { type: m[0] as 'n' | 'w' | 'r', ref: Number(m.slice(1, at)), role: unescape(m.slice(at + 1)) };
            })
          : [],
      });
  }
  return d;
}

export function readOsm(path: string): OsmData {
  return parseOpl(osmium(['cat', '-f', 'opl', path]));
}

// ---- small geometry on lon/lat (local equirectangular metres; fine at city scale)

const R = 6371008.8;
export function metres(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const k = Math.cos(((lat1 + lat2) / 2) * (Math.PI / 180));
  const dx = (lon2 - lon1) * (Math.PI / 180) * R * k;
  const dy = (lat2 - lat1) * (Math.PI / 180) * R;
  return Math.hypot(dx, dy);
}

export type Ring = [number, number][];

export function wayCoords(d: OsmData, w: OWay): Ring {
  return w.refs.map((r) => {
    const n = d.nodes.get(r);
    if (!n) throw new Error(`way ${w.id}: node ${r} missing`);
    return [n.lon, n.lat];
  });
}

/** area-weighted centroid of a ring (lon/lat), computed relative to the first vertex for precision */
export function centroid(ring: Ring): [number, number] {
  const [ox, oy] = ring[0];
  let a = 0;
  let x = 0;
  let y = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const x0 = ring[i][0] - ox;
    const y0 = ring[i][1] - oy;
    const x1 = ring[i + 1][0] - ox;
    const y1 = ring[i + 1][1] - oy;
    const c = x0 * y1 - x1 * y0;
    a += c;
    x += (x0 + x1) * c;
    y += (y0 + y1) * c;
  }
  if (a === 0) return ring[0];
  return [ox + x / (3 * a), oy + y / (3 * a)];
}

export function pointInRing(p: [number, number], ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** area in m² of a lon/lat ring */
export function ringArea(ring: Ring): number {
  const lat0 = ring[0][1];
  const k = Math.cos(lat0 * (Math.PI / 180));
  let a = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const x0 = ring[i][0] * k;
    const x1 = ring[i + 1][0] * k;
    a += x0 * ring[i + 1][1] - x1 * ring[i][1];
  }
  const m = (Math.PI / 180) * R;
  return (Math.abs(a) / 2) * m * m;
}
