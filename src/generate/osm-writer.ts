/**
 * The contract shared by the streaming OSM writers (PBF and XML): entities go in with `add*`
 * (synchronous, buffered), callers `await drain()` now and then so that output that the file
 * stream has not taken yet stays small (backpressure), and `close()` finishes the file.
 *
 * Order: all nodes, then all ways, then all relations (PBF and osmium expect it), ids strictly
 * increasing within each type when `sorted` (the default: the header then declares
 * `Sort.Type_then_ID`). Coordinates are stored at 1e-7 degree (PBF granularity 100 nanodegrees);
 * both writers round the same way, so the same input gives the same data in either format.
 */

export type MemberType = 'node' | 'way' | 'relation';
export interface OsmMember {
  type: MemberType;
  ref: number;
  role: string;
}

/** Tags as a flat list `[k1, v1, k2, v2, ...]` (fast path, keeps order) or as an object. */
export type OsmTags = readonly string[] | Readonly<Record<string, string>>;

export interface OsmWriterOptions {
  /** [west, south, east, north] in degrees, written to the header / <bounds>. */
  bbox?: [number, number, number, number];
  /** writingprogram / generator; default "opencim" */
  generator?: string;
  /** ids increase within each type (checked); declared as Sort.Type_then_ID. Default true. */
  sorted?: boolean;
}

export interface OsmWriter {
  addNode(id: number, lon: number, lat: number, tags?: OsmTags): void;
  addWay(id: number, refs: ArrayLike<number>, tags?: OsmTags): void;
  addRelation(id: number, members: readonly OsmMember[], tags?: OsmTags): void;
  /** Resolves once the buffered output is below the high-water mark. Rejects on a write error. */
  drain(): Promise<void>;
  /** Flushes everything, closes the file, resolves with the number of bytes written. */
  close(): Promise<number>;
  /** Closes the stream without finishing; for error paths. */
  abort(): void;
}

/** Fixed-point coordinate, 1e-7 degree units (what PBF stores with granularity 100). */
export function toE7(deg: number): number {
  return Math.round(deg * 1e7);
}

/** Decimal degrees with 7 decimals from a 1e-7 fixed-point value, without float round-off. */
export function formatE7(v: number): string {
  const neg = v < 0;
  const a = neg ? -v : v;
  const int = Math.floor(a / 1e7);
  const frac = a - int * 1e7;
  const fs = String(frac).padStart(7, '0');
  return (neg ? '-' : '') + int + '.' + fs;
}

/** Flat `[k, v, ...]` list from either tag form. */
export function flatTags(tags: OsmTags | undefined): readonly string[] {
  if (!tags) return EMPTY;
  if (Array.isArray(tags)) return tags as readonly string[];
  const out: string[] = [];
  for (const k of Object.keys(tags)) out.push(k, (tags as Record<string, string>)[k]);
  return out;
}
const EMPTY: readonly string[] = [];

const ORDER: Record<string, number> = { node: 0, way: 1, relation: 2 };

/** Checks entity order (type, then id) for both writers. */
export class OrderGuard {
  private type = 0;
  private lastId = -Infinity;
  constructor(private readonly sorted: boolean) {}
  check(type: 'node' | 'way' | 'relation', id: number): void {
    if (!Number.isSafeInteger(id)) throw new Error(`${type} id ${id} is not a safe integer`);
    const t = ORDER[type];
    if (t < this.type) throw new Error(`${type} ${id} written after ${Object.keys(ORDER)[this.type]}s: write nodes, then ways, then relations`);
    if (t > this.type) {
      this.type = t;
      this.lastId = -Infinity;
    }
    if (this.sorted && id <= this.lastId) throw new Error(`${type} ids must increase: ${id} after ${this.lastId}`);
    this.lastId = id;
  }
}

export type OsmFormat = 'pbf' | 'xml';
/** `.osm.pbf` / `.pbf` → PBF, `.osm` → XML; anything else is an error. */
export function formatFromPath(path: string): OsmFormat {
  const p = path.toLowerCase();
  if (p.endsWith('.pbf')) return 'pbf';
  if (p.endsWith('.osm')) return 'xml';
  throw new Error(`cannot tell the output format from "${path}": use a name ending in .osm.pbf, .pbf or .osm`);
}
