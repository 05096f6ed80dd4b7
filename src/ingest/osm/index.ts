/**
 * OSM readers: `openOsm` picks PBF or XML from the file's first bytes.
 *
 *     const reader = openOsm('city.osm.pbf');
 *     const header = await reader.header();
 *     for await (const batch of reader.batches()) { ... batch.nodes, batch.ways, batch.relations }
 *
 * The XML reader (and its parser) is loaded only for an XML file: a command that reads PBF starts
 * without it.
 */
import { open } from 'node:fs/promises';
import { IngestError } from '../../model/errors.js';
import { openPbf } from './pbf-reader.js';
import type { OsmBatch, OsmHeader, OsmReadOptions, OsmReader } from './types.js';
import { cannotOpen, EMPTY_FILE } from './messages.js';

export * from './types.js';
export { openPbf } from './pbf-reader.js';

export type OsmFormat = 'pbf' | 'xml';

/** Detects the format from the first bytes; throws IngestError when it is neither. */
export async function detectOsmFormat(path: string): Promise<OsmFormat> {
  let head: Buffer;
  try {
    const fh = await open(path, 'r');
    try {
      head = Buffer.alloc(64);
      const { bytesRead } = await fh.read(head, 0, 64, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new IngestError(path, undefined, cannotOpen(e));
  }
  return formatOf(path, head);
}

function formatOf(path: string, head: Buffer): OsmFormat {
  if (head.length === 0) throw new IngestError(path, undefined, EMPTY_FILE);
  // PBF: 4-byte big-endian BlobHeader length, then BlobHeader { 1: type = "OSMHeader" | "OSMData" }
  if (head.length >= 6) {
    const len = head.readUInt32BE(0);
    if (len > 0 && len <= 64 * 1024 && head[4] === 0x0a) {
      const tl = head[5];
      const type = head.subarray(6, 6 + tl).toString('latin1');
      if (type === 'OSMHeader' || type === 'OSMData') return 'pbf';
    }
  }
  // gzip-compressed XML (.osm.gz)
  if (head[0] === 0x1f && head[1] === 0x8b) return 'xml';
  if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'xml'; // bzip2: the XML reader explains
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3; // UTF-8 BOM
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  const text = head.subarray(i).toString('latin1');
  if (text.startsWith('<?xml') || text.startsWith('<osm') || text.startsWith('<!--')) return 'xml';
  throw new IngestError(path, undefined, '不是 OSM 文件：应为 OSM PBF（以 BlobHeader 开头）或 OSM XML（以 <?xml 或 <osm 开头） / ' +
    'not an OSM file: expected OSM PBF (a BlobHeader) or OSM XML (<?xml or <osm)');
}

/** Opens an OSM PBF or XML file; the format is detected from the content, not the name. */
export function openOsm(path: string, opts: OsmReadOptions = {}): OsmReader {
  let reader: Promise<OsmReader> | undefined;
  const get = () =>
    (reader ??= detectOsmFormat(path).then((f) => (f === 'pbf' ? openPbf(path, opts) : import('./xml-reader.js').then((x) => x.openOsmXml(path, opts)))));
  return {
    header: async (): Promise<OsmHeader> => (await get()).header(),
    batches: async function* (): AsyncGenerator<OsmBatch> {
      yield* (await get()).batches();
    },
  };
}
