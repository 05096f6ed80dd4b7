// Decode a PBF with OpenCIM's reader and count elements (used by bench/ingest.mjs).
// usage: node bench/decode-pbf.mjs FILE [workers]
import { openOsm } from '../dist/ingest/osm/index.js';

const [file, workers] = process.argv.slice(2);
const t0 = process.hrtime.bigint();
const reader = openOsm(file, workers === undefined ? {} : { workers: Number(workers) });
let nodes = 0, ways = 0, relations = 0;
for await (const b of reader.batches()) {
  nodes += b.nodes.count;
  ways += b.ways.count;
  relations += b.relations.length;
}
const s = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ nodes, ways, relations, seconds: s }));
