import { GraphBuilder } from '/work/main/src/network/graph.js';
import { synthCity } from '/work/main/bench/access/synth.js';
// time finish() separately by monkeypatching
const orig = GraphBuilder.prototype.finish;
let ft = 0;
GraphBuilder.prototype.finish = function (o) { const t = performance.now(); const g = orig.call(this, o); ft = performance.now() - t; return g; };
const t = performance.now();
const c = synthCity(Number(process.argv[2]));
console.log('synth total', (performance.now() - t).toFixed(0), 'finish', ft.toFixed(0), c.graph.nodeCount, c.graph.vLon.length);
