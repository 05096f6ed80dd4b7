/**
 * Fingerprints of OSM elements, for the importer's element pass (store/import.ts, `ElementPass`):
 * a re-import skips the elements that are as they were, before any record is made of them.
 *
 * An element's fingerprint covers everything its records are made of: its tags in file order,
 * and its coordinates (a node's own; a way's node ids with each node's location, or a mark where
 * the node is missing). Relations are not fingerprinted: they are few, and their geometry comes
 * from other elements. The code that turns elements into records is covered by `rulesDigest`.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

let ha = 0, hb = 0;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function start(seed: number): void { ha = 0x811c9dc5 ^ seed; hb = 0x01000193; }
function mix(x: number): void {
  ha = Math.imul(ha ^ x, 0x01000193);
  hb = Math.imul(hb ^ x, 0x5bd1e995) ^ (hb >>> 15);
}
/** an id up to 2^53, both halves */
function mixId(id: number): void { mix(id | 0); mix((id / 4294967296) | 0); }
function mixFloat(x: number): void { f64[0] = x; mix(u32[0]); mix(u32[1]); }
function mixTags(kv: string[], t0: number, t1: number): void {
  mix(t1 - t0);
  for (let j = 2 * t0; j < 2 * t1; j++) {
    const s = kv[j];
    mix(s.length);
    for (let i = 0; i < s.length; i++) mix(s.charCodeAt(i));
  }
}
/** 53 bits (a bigint column in the store, a number here) */
function value(): number { return (ha >>> 0) * 2097152 + ((hb >>> 0) & 0x1fffff); }

/** a node: its tags and its location as the file gives it */
export function nodeFingerprint(kv: string[], t0: number, t1: number, lon: number, lat: number): number {
  start(1);
  mixTags(kv, t0, t1);
  mixFloat(lon); mixFloat(lat);
  return value();
}

/**
 * A way: its tags, then per node its id and location (`lon`/`lat` in 1e-7 degrees as the node
 * store keeps them; `located` false where the file lacks the node).
 */
export class WayFingerprint {
  begin(kv: string[], t0: number, t1: number, nodes: number): void { start(2); mixTags(kv, t0, t1); mix(nodes); }
  node(id: number, located: boolean, lonE7: number, latE7: number): void {
    mixId(id);
    if (located) { mix(lonE7); mix(latE7); } else mix(0x7fffffff);
  }
  end(): number { return value(); }
}

let digest: string | undefined;
/**
 * The digest of the code that turns elements into rows: every module of the package (src/ or
 * dist/, whichever runs). Deliberately broad: any change to the code, even one that does not
 * touch the rules, makes the next re-import read every element again, which is always right.
 */
export function rulesDigest(): string {
  if (digest) return digest;
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const h = createHash('sha256');
  const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => /\.(js|ts|json)$/.test(f)).sort();
  for (const f of files) h.update(f).update('\0').update(readFileSync(join(root, f))).update('\0');
  return (digest = h.digest('hex').slice(0, 32));
}
