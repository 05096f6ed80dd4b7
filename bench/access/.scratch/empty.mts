import { classifyFeature } from '/work/main/src/model/classify.js';
import { placesFromRecords, computeAccess, summarize } from '/work/main/src/network/access.js';
import { accessCsvRows } from '/work/main/src/network/csv.js';
const recs = classifyFeature('w1', { building: 'apartments' }, { type: 'Polygon', coordinates: [[[116, 39], [116.001, 39], [116.001, 39.001], [116, 39]]] });
for (const rs of [[], recs]) {
  const p = await placesFromRecords(rs);
  const r = await computeAccess(p);
  console.log(r.origins.count, r.graph.nodes, JSON.stringify(summarize(r).categories[0]), JSON.stringify(accessCsvRows(r)));
}
