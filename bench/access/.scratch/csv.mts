import { synthCity } from '/work/main/bench/access/synth.js';
import { computeAccess } from '/work/main/src/network/access.js';
import { writeAccessCsv, accessCsvRows } from '/work/main/src/network/csv.js';
const c = synthCity(Number(process.argv[2]));
const r = await computeAccess(c, { workers: 1 });
let t = performance.now();
writeAccessCsv(r, '/tmp/acc/csvtest.csv');
console.log('csv ms', performance.now() - t, r.origins.count);
// compare with toFixed
let bad = 0;
const rows = accessCsvRows(r, 0, 2000).split('\n');
for (let i = 0; i < 2000; i++) {
  const f = rows[i].split(',');
  if (f[1] !== r.origins.lon[i].toFixed(7) || f[2] !== r.origins.lat[i].toFixed(7)) bad++;
  for (let cc = 0; cc < r.categories.length; cc++) { const d = r.distances[cc * r.origins.count + i]; const want = Number.isFinite(d) ? d.toFixed(1) : ''; if (f[3 + cc] !== want) { bad++; if (bad < 5) console.log('diff', f[3+cc], want, d); } }
}
console.log('mismatches vs toFixed', bad);
