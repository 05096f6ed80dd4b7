// The energy inventory kernel on 1,000,000 synthetic buildings (typed arrays): floor area, use ×
// zone × era intensities, CO2e, then the retrofit ranking. Run after `npx tsc -p tsconfig.json`.
//   node bench/carbon.mjs [buildings]
import { estimateInventory } from '../dist/domains/energy/inventory.js';
import { loadEnergyParams, USES } from '../dist/domains/energy/params.js';
import { rankRetrofit } from '../dist/domains/energy/retrofit.js';

const n = Number(process.argv[2] ?? 1_000_000);
let s = 1;
const rnd = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const b = {
  count: n, ids: Array.from({ length: n }, (_, i) => `w${i}`),
  lon: new Float64Array(n), lat: new Float64Array(n), area_m2: new Float64Array(n),
  height: new Float32Array(n), levels: new Float32Array(n), year: new Int16Array(n), use: new Uint8Array(n),
};
for (let i = 0; i < n; i++) {
  b.lon[i] = 116 + rnd(); b.lat[i] = 39.5 + rnd(); b.area_m2[i] = 50 + rnd() * 2000;
  const r = rnd();
  b.levels[i] = r < 0.3 ? 1 + Math.floor(rnd() * 30) : NaN;
  b.height[i] = r >= 0.3 && r < 0.5 ? 3 + rnd() * 90 : NaN;
  b.year[i] = rnd() < 0.4 ? 1950 + Math.floor(rnd() * 75) : 0;
  b.use[i] = Math.floor(rnd() * USES.length);
}
const p = loadEnergyParams();
const t0 = performance.now();
const inv = estimateInventory(b, p, 'cold', 'north');
const t1 = performance.now();
const ret = rankRetrofit(b, inv, p, 100);
const t2 = performance.now();
let co2 = 0;
for (let i = 0; i < n; i++) co2 += inv.co2e[i];
const sec = (t1 - t0) / 1000;
console.log(`carbon kernel: ${n.toLocaleString('en')} buildings estimated in ${sec.toFixed(3)} s (${Math.round(n / sec).toLocaleString('en')} buildings/s; budget 10 s: ${(sec / 10 * 100).toFixed(1)}% of it)`);
console.log(`retrofit ranking: ${((t2 - t1) / 1000).toFixed(3)} s for ${ret.eligible.toLocaleString('en')} eligible buildings; city total ${(co2 / 1e9).toFixed(2)} Mt CO2e`);
