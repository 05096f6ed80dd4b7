/**
 * Test helpers for the OSM readers: an independent reference from osmium (OPL output parsed
 * here), and a canonical text form of what our readers yield, so that two sources can be
 * compared entity by entity.
 */
import { execFileSync } from 'node:child_process';
import type { OsmBatch, OsmReader } from '../../src/ingest/osm/index.js';

export const DATA = '/work/shared/data';
export const PBF_FILES = [
  'beijing-bupt.osm.pbf',
  'beijing-haidian-cau.osm.pbf',
  'shanghai-le-degn.osm.pbf',
  'shanghai-shu-baoshan.osm.pbf',
  'shenzhen-longgang.osm.pbf',
];

/** Fails loudly when osmium is missing: these tests need an independent reference. */
export function requireOsmium(): void {
  try {
    execFileSync('osmium', ['--version'], { stdio: 'pipe' });
  } catch {
    throw new Error('osmium (Debian package osmium-tool) is required by the OSM reader tests: apt-get install osmium-tool');
  }
}

export function osmium(args: string[]): string {
  return execFileSync('osmium', args, { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface FileInfoCounts {
  nodes: number;
  ways: number;
  relations: number;
}

export function osmiumCounts(file: string): FileInfoCounts {
  const info = JSON.parse(osmium(['fileinfo', '-e', '-j', file]));
  return info.data.count;
}

/** `osmium tags-count -t TYPE FILE KEY` → number of objects of that type with the key. */
export function osmiumKeyCount(file: string, type: 'node' | 'way' | 'relation', k: string): number {
  const out = osmium(['tags-count', '-t', type, file, k]).trim();
  if (!out) return 0;
  return Number(out.split('\t')[0]);
}

function unescapeOpl(s: string): string {
  return s.replace(/%([0-9a-fA-F]+)%/g, (_, h: string) => String.fromCodePoint(parseInt(h, 16)));
}

function oplTags(s: string): [string, string][] {
  if (s === '') return [];
  return s.split(',').map((kv) => {
    const i = kv.indexOf('=');
    return [unescapeOpl(kv.slice(0, i)), unescapeOpl(kv.slice(i + 1))];
  });
}

function canonTags(tags: [string, string][]): string {
  return JSON.stringify([...tags].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

/** Canonical entity map from osmium's OPL output: key 'n123' etc. → canonical text. */
export function oplEntities(file: string): Map<string, string> {
  const m = new Map<string, string>();
  const text = osmium(['cat', '-f', 'opl,add_metadata=false', file]);
  for (const line of text.split('\n')) {
    if (!line) continue;
    const fields = line.split(' ');
    const id = fields[0];
    const f: Record<string, string> = {};
    for (const x of fields.slice(1)) f[x[0]] = x.slice(1);
    const tags = canonTags(oplTags(f.T ?? ''));
    if (id[0] === 'n') {
      m.set(id, `${Number(f.x).toFixed(7)} ${Number(f.y).toFixed(7)} ${tags}`);
    } else if (id[0] === 'w') {
      const refs = (f.N ?? '') === '' ? [] : f.N.split(',').map((r) => r.slice(1));
      m.set(id, `${refs.join(',')} ${tags}`);
    } else if (id[0] === 'r') {
      const members = (f.M ?? '') === '' ? [] : f.M.split(',').map((x) => {
        const at = x.indexOf('@');
        return `${x[0]}${x.slice(1, at)}@${unescapeOpl(x.slice(at + 1))}`;
      });
      m.set(id, `${members.join(',')} ${tags}`);
    }
  }
  return m;
}

const TYPE_LETTER = { node: 'n', way: 'w', relation: 'r' } as const;

/** The same canonical form from our batches (coordinates rounded to 1e-7 degree). */
export function batchEntities(batches: OsmBatch[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const b of batches) {
    const n = b.nodes;
    for (let i = 0; i < n.count; i++) {
      const tags: [string, string][] = [];
      for (let j = n.tagOffset[i]; j < n.tagOffset[i + 1]; j++) tags.push([n.tagKV[2 * j], n.tagKV[2 * j + 1]]);
      m.set(`n${n.id[i]}`, `${n.lon[i].toFixed(7)} ${n.lat[i].toFixed(7)} ${canonTags(tags)}`);
    }
    const w = b.ways;
    for (let i = 0; i < w.count; i++) {
      const tags: [string, string][] = [];
      for (let j = w.tagOffset[i]; j < w.tagOffset[i + 1]; j++) tags.push([w.tagKV[2 * j], w.tagKV[2 * j + 1]]);
      const refs = Array.from(w.refs.subarray(w.refOffset[i], w.refOffset[i + 1]));
      m.set(`w${w.id[i]}`, `${refs.join(',')} ${canonTags(tags)}`);
    }
    for (const r of b.relations) {
      const members = r.members.map((x) => `${TYPE_LETTER[x.type]}${x.ref}@${x.role}`);
      m.set(`r${r.id}`, `${members.join(',')} ${canonTags(Object.entries(r.tags))}`);
    }
  }
  return m;
}

export async function readAll(reader: OsmReader): Promise<OsmBatch[]> {
  const out: OsmBatch[] = [];
  for await (const b of reader.batches()) out.push(b);
  return out;
}

export function countEntities(batches: OsmBatch[]) {
  let nodes = 0;
  let ways = 0;
  let relations = 0;
  let taggedNodes = 0;
  for (const b of batches) {
    nodes += b.nodes.count;
    ways += b.ways.count;
    relations += b.relations.length;
    for (let i = 0; i < b.nodes.count; i++) if (b.nodes.tagOffset[i + 1] > b.nodes.tagOffset[i]) taggedNodes++;
  }
  return { nodes, ways, relations, taggedNodes };
}

/** Number of entities of a kind with a tag key. */
export function keyCount(batches: OsmBatch[], kind: 'nodes' | 'ways', k: string): number {
  let c = 0;
  for (const b of batches) {
    const cols = b[kind];
    for (let i = 0; i < cols.count; i++) {
      for (let j = cols.tagOffset[i]; j < cols.tagOffset[i + 1]; j++) {
        if (cols.tagKV[2 * j] === k) {
          c++;
          break;
        }
      }
    }
  }
  return c;
}

/** First mismatches between two entity maps (empty when equal). */
export function diffEntities(a: Map<string, string>, b: Map<string, string>, max = 5): string[] {
  const out: string[] = [];
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w !== v) out.push(`${k}: ${v.slice(0, 200)} ≠ ${w?.slice(0, 200)}`);
    if (out.length >= max) return out;
  }
  for (const k of b.keys()) {
    if (!a.has(k)) out.push(`${k}: missing on the left`);
    if (out.length >= max) return out;
  }
  return out;
}
