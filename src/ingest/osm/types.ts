/**
 * What every OSM reader (PBF, XML) yields: batches in file order, columnar where the data is dense.
 * Files are expected in the usual order (nodes, then ways, then relations) but consumers must not
 * rely on it for correctness of anything but memory use.
 *
 * Tags are stored flat: entity i has keys/values tagKV[2*j], tagKV[2*j+1] for j in
 * [tagOffset[i], tagOffset[i+1]). Use `tagsOf` to get an object.
 */
export interface NodeColumns {
  count: number;
  id: Float64Array; // OSM ids fit in 2^53
  lon: Float64Array; // degrees WGS84
  lat: Float64Array;
  tagOffset: Uint32Array; // length count + 1, indexes pairs in tagKV
  tagKV: string[];
}

export interface WayColumns {
  count: number;
  id: Float64Array;
  refOffset: Uint32Array; // length count + 1, indexes refs
  refs: Float64Array; // node ids
  tagOffset: Uint32Array; // length count + 1
  tagKV: string[];
}

export type MemberType = 'node' | 'way' | 'relation';
export interface RelationMember {
  type: MemberType;
  ref: number;
  role: string;
}
export interface Relation {
  id: number;
  members: RelationMember[];
  tags: Record<string, string>;
}

export interface OsmBatch {
  /** 0-based index of the block (PBF) or chunk (XML) in the file, for error messages and order. */
  seq: number;
  nodes: NodeColumns; // every node, tagged or not
  ways: WayColumns; // every way, tagged or not
  relations: Relation[];
}

export interface OsmHeader {
  /** [west, south, east, north] in degrees when the file declares bounds. */
  bbox?: [number, number, number, number];
  generator?: string;
  /** osmosis_replication_timestamp (PBF) or the <osm timestamp>/<meta osm_base> attribute (XML), ISO-8601. */
  timestamp?: string;
  replicationSequence?: number;
  requiredFeatures: string[];
  optionalFeatures: string[];
}

export interface OsmReadOptions {
  /** Worker threads for PBF decoding; default: available parallelism (at least 1). 0 = decode on the main thread. */
  workers?: number;
  /** Called now and then with bytes consumed so far and the file size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export interface OsmReader {
  header(): Promise<OsmHeader>;
  batches(): AsyncIterable<OsmBatch>;
}

export function tagsOf(cols: { tagOffset: Uint32Array; tagKV: string[] }, i: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let j = cols.tagOffset[i]; j < cols.tagOffset[i + 1]; j++) out[cols.tagKV[2 * j]] = cols.tagKV[2 * j + 1];
  return out;
}

export function hasTags(cols: { tagOffset: Uint32Array }, i: number): boolean {
  return cols.tagOffset[i + 1] > cols.tagOffset[i];
}
