import { synthCity } from '/work/main/bench/access/synth.js';
import { computeAccess } from '/work/main/src/network/access.js';
import { accessCsvRows } from '/work/main/src/network/csv.js';
const c = synthCity(Number(process.argv[2]));
const r = await computeAccess(c, { workers: 1 });
for (let rep = 0; rep < 3; rep++) {
let t = performance.now();
let len = 0;
for (let i = 0; i < r.origins.count; i += 20000) len += accessCsvRows(r, i, Math.min(r.origins.count, i + 20000)).length;
console.log('rows ms', (performance.now() - t).toFixed(0), len);
const plain = Float64Array.from(r.distances);
t = performance.now();
let s = 0; for (let k = 0; k < plain.length; k++) s += plain[k] > 0 ? 1 : 0;
console.log('scan plain', (performance.now() - t).toFixed(1));
t = performance.now();
s = 0; for (let k = 0; k < r.distances.length; k++) s += r.distances[k] > 0 ? 1 : 0;
console.log('scan shared', (performance.now() - t).toFixed(1));
const r2 = { ...r, distances: plain };
t = performance.now();
len = 0;
for (let i = 0; i < r.origins.count; i += 20000) len += accessCsvRows(r2, i, Math.min(r.origins.count, i + 20000)).length;
console.log('rows plain ms', (performance.now() - t).toFixed(0), len);
}
