import { openSource } from '/work/main/src/ingest/index.js';
import { placesFromRecords } from '/work/main/src/network/access.js';
import { SegmentIndex, snapSources } from '/work/main/src/network/snap.js';
const p = await placesFromRecords((await openSource(process.argv[2])).records);
const idx = new SegmentIndex(p.graph);
let tot = 0;
for (const [cat, list] of p.facilities) {
  const t = performance.now();
  const s = snapSources(idx, list);
  const ms = performance.now() - t; tot += ms;
  const polys = list.filter((x) => x.geometry.type !== 'Point');
  const verts = polys.reduce((a, x) => a + JSON.stringify(x.geometry.coordinates).split('],[').length, 0);
  console.log(cat.padEnd(18), String(list.length).padStart(6), 'polys', String(polys.length).padStart(6), 'verts', String(verts).padStart(7), 'contacts', String(s.count).padStart(7), ms.toFixed(0), 'ms');
}
console.log('total', tot.toFixed(0));
