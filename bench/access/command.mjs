#!/usr/bin/env node
// The whole walking-accessibility command on small real extracts (issue 14, target 3), side by side
// in one run with the peer a GIS engineer would write (bench/access/peer_cli.py: pyosmium + scipy
// csgraph, file to CSV): `node bin/opencim.js access FILE --out CSV` against
// `/usr/bin/python3 bench/access/peer_cli.py FILE CSV`, alternating, each --rounds times; the median
// wall time and CPU time (user + sys) of each, and the ratios peer / ours (> 1: ours is faster).
// Start-up counts: it is most of the time on files this small.
// usage: npm run build && node bench/access/command.mjs [--rounds 7] [--dir ../shared/data]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '../..');
const { values: o } = parseArgs({ options: { rounds: { type: 'string', default: '7' }, dir: { type: 'string', default: resolve(root, '../shared/data') } } });
const files = readdirSync(o.dir).filter((f) => f.endsWith('.osm.pbf')).map((f) => join(o.dir, f)).sort((a, b) => statSync(a).size - statSync(b).size);
const tmp = mkdtempSync(join(tmpdir(), 'access-command-'));
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', cmd, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-1500)}`);
  const [wall, user, sys] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { wall, cpu: user + sys, stdout: r.stdout };
}

console.log(`whole command, file → CSV, median of ${o.rounds} (load average ${loadavg()[0].toFixed(1)})`);
console.log('file                              KB   ours wall  peer wall  ratio   ours CPU  peer CPU  ratio   residential / peer buildings');
const ratios = [];
try {
  for (const f of files) {
    const ours = [], peer = [];
    let peerOut = '';
    for (let i = 0; i < Number(o.rounds); i++) {
      ours.push(timed(process.execPath, [join(root, 'bin/opencim.js'), 'access', f, '--out', join(tmp, 'ours.csv'), '-q']));
      const p = timed('/usr/bin/python3', [join(root, 'bench/access/peer_cli.py'), f, join(tmp, 'peer.csv')]);
      peer.push(p); peerOut = p.stdout;
    }
    const ow = median(ours.map((x) => x.wall)), pw = median(peer.map((x) => x.wall));
    const oc = median(ours.map((x) => x.cpu)), pc = median(peer.map((x) => x.cpu));
    const rows = spawnSync('wc', ['-l', join(tmp, 'ours.csv')], { encoding: 'utf8' }).stdout.trim().split(' ')[0] - 1;
    ratios.push(pw / ow);
    console.log(`${f.split('/').pop().padEnd(30)} ${String(Math.round(statSync(f).size / 1024)).padStart(5)} ${ow.toFixed(2).padStart(9)} s ${pw.toFixed(2).padStart(8)} s ${(pw / ow).toFixed(2).padStart(6)} ${oc.toFixed(2).padStart(8)} s ${pc.toFixed(2).padStart(8)} s ${(pc / oc).toFixed(2).padStart(6)}   ${rows} / ${JSON.parse(peerOut).buildings}`);
  }
  console.log(`wall-time ratio peer / ours: ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)} (goal ≥ 1: no slower than the scipy pipeline)`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
