#!/usr/bin/env node
// House-safety kernels benchmark (issue 11): due dates, policy checks and risk scores over a
// generated register of N buildings and M inspections (default 1,000,000 and 3,000,000), held in
// the columnar register the store reader fills. Prints the time of each kernel, their sum, and the
// peak RSS of the process (generation included, so it is an upper bound).
// usage: npx tsc -p tsconfig.json && node bench/safety.mjs [--buildings 1000000] [--inspections 3000000] [--import-rows 600000] [--skip-kernels]
// --import-rows N: also time `opencim safety import` of N inspections + N/3 profiles into a fresh PostgreSQL store (its schema made first; target ≥ 100,000 rows/s),
// against the peer (the whole file parsed first, then staged and written by writeStaged) on the same files, same run: ours streams the parse into the stage
// Target: kernels ≤ 30 s, memory ≤ 4 GiB. Run on an idle machine; figures on a shared one are upper bounds.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';

// the peer of the import figures (a child process: node bench/safety.mjs --peer URL FILE...): the
// register written the way it was before the streaming COPY write (all files parsed first, then a
// temp stage and the archive's generic staged write, writeStaged, content hashes in SQL)
if (process.argv[2] === '--peer') {
  const [url, ...files] = process.argv.slice(3);
  const { readRegisterCsv } = await import('../dist/domains/safety/csv.js');
  const { openStore } = await import('../dist/store/driver.js');
  const { openChangeset, sealChangeset, writeStaged } = await import('../dist/store/archive.js');
  const { copyFields } = await import('../dist/store/tables.js');
  const { PROFILES, INSPECTIONS } = await import('../dist/domains/safety/collections.js');
  const PC = ['building_id', 'year_built', 'design_life_years', 'structure', 'storeys', 'height_m', 'use', 'households', 'group_rental', 'seismic_intensity', 'isolation', 'owner', 'insured', 'fund'];
  const IC = ['id', 'building_id', 'date', 'organisation', 'inspector', 'method', 'grade', 'hazards', 'measure', 'deadline', 'remediated_on', 'verified_by', 'photos'];
  const arr = (a) => `{${a.map((x) => `"${x.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
  const parsed = [];
  for (const f of files) parsed.push(await readRegisterCsv(f));
  const store = await openStore(url);
  const out = [];
  await store.transaction(async (tx) => {
    await tx.query('INSERT INTO cities (city_id) VALUES ($1) ON CONFLICT DO NOTHING', ['default']);
    for (const f of parsed) {
      const spec = f.kind === 'profiles' ? PROFILES : INSPECTIONS, cols = f.kind === 'profiles' ? PC : IC;
      const cs = await openChangeset(tx, { cityId: 'default', actor: 'bench', reason: 'peer', kind: 'import', sourceId: `safety:${f.file.split('/').pop()}` });
      const stage = `stage_${spec.table}`;
      await tx.exec(`DROP TABLE IF EXISTS ${stage}; CREATE TEMP TABLE ${stage} ON COMMIT DROP AS SELECT ${cols.join(', ')} FROM ${spec.table} LIMIT 0`);
      for (let i = 0; i < f.rows.length; i += 50_000) {
        const lines = f.rows.slice(i, i + 50_000).map((r) => copyFields(f.kind === 'profiles' ? PC.map((c) => r[c])
          : [r.inspection_id, r.building_id, r.date, r.organisation, r.inspector, r.method, r.grade, arr(r.hazards), r.measure, r.deadline, r.remediated_on, r.verified_by, arr(r.photos)]));
        await tx.copyIn(stage, cols, lines.join('\n') + '\n');
      }
      out.push(await writeStaged(tx, spec, cs, stage, { unique: true }));
      await tx.exec(`DROP TABLE ${stage}`);
      await sealChangeset(tx, cs);
    }
  });
  await store.close();
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
}

const { values: o } = parseArgs({ options: { buildings: { type: 'string', default: '1000000' }, inspections: { type: 'string', default: '3000000' }, seed: { type: 'string', default: '1' }, 'import-rows': { type: 'string', default: '0' }, 'skip-kernels': { type: 'boolean', default: false } } });
if (!o['skip-kernels']) {
const N = Number(o.buildings), M = Number(o.inspections);
const { emptyRegister, NO_DATE } = await import('../dist/domains/safety/register.js');
const { computeDue, overdueDays } = await import('../dist/domains/safety/due.js');
const { compileRules, loadRules } = await import('../dist/domains/safety/rules.js');
const { computeFlags, loadPolicy } = await import('../dist/domains/safety/checks.js');
const { computeRisk, loadRiskConfig, topN } = await import('../dist/domains/safety/risk.js');
const { parseDate } = await import('../dist/domains/safety/model.js');

// a deterministic PRNG (mulberry32)
let s = Number(o.seed) >>> 0;
const rnd = () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };

let t0 = performance.now();
const reg = emptyRegister(N, M);
for (let b = 0; b < N; b++) {
  reg.ids[b] = `w${100000 + b}`;
  reg.profiled[b] = 1;
  reg.yearBuilt[b] = rnd() < 0.03 ? 0 : 1950 + Math.floor(rnd() * 75);
  reg.designLife[b] = rnd() < 0.8 ? 50 : 0;
  reg.structure[b] = Math.floor(rnd() * 8);
  reg.storeys[b] = 1 + Math.floor(rnd() * rnd() * 40);
  reg.height[b] = rnd() < 0.5 ? reg.storeys[b] * 3 : NaN;
  reg.use[b] = rnd() < 0.7 ? 0 : Math.floor(rnd() * 6);
  reg.households[b] = Math.floor(rnd() * 120);
  reg.groupRental[b] = rnd() < 0.02 ? 1 : 0;
  reg.seismic[b] = 6 + Math.floor(rnd() * 4);
  reg.isolation[b] = rnd() < 0.1 ? 1 : 0;
  reg.critical[b] = rnd() < 0.01 ? 1 : 0;
}
const d0 = parseDate('2000-01-01'), span = parseDate('2026-06-01') - d0;
for (let j = 0; j < M; j++) {
  reg.inspIds[j] = `I${j}`;
  reg.inspBuilding[j] = Math.floor(rnd() * N);
  reg.inspDate[j] = d0 + Math.floor(rnd() * span);
  const g = rnd();
  reg.inspGrade[j] = g < 0.6 ? 0 : g < 0.85 ? 1 : g < 0.96 ? 2 : 3;
  reg.inspHazards[j] = rnd() < 0.3 ? Math.floor(rnd() * 256) : 0;
  reg.inspMeasure[j] = reg.inspGrade[j] >= 2 ? Math.floor(rnd() * 4) : -1;
  reg.inspDeadline[j] = reg.inspGrade[j] >= 2 ? reg.inspDate[j] + 30 + Math.floor(rnd() * 365) : NO_DATE;
  reg.inspRemediated[j] = reg.inspGrade[j] >= 2 && rnd() < 0.5 ? reg.inspDate[j] + Math.floor(rnd() * 400) : NO_DATE;
}
const gen = performance.now() - t0;

const asOf = parseDate('2026-06-01');
const times = {};
const lap = (k, f) => { const t = performance.now(); const r = f(); times[k] = Math.round(performance.now() - t); return r; };
const rules = compileRules(loadRules('nantong'));
// each kernel finds the latest inspection made by the as-of day itself (later ones are not yet made)
const due = lap('due dates (nantong)', () => computeDue(reg, rules, asOf));
const flags = lap('policy checks', () => computeFlags(reg, loadPolicy(), asOf));
const score = lap('risk scores', () => computeRisk(reg, due, loadRiskConfig()));
const top = lap('ranking (full sort)', () => topN(score, N));
let overdue = 0;
for (let b = 0; b < N; b++) if (overdueDays(due, b) > 0) overdue++;
const total = Object.values(times).reduce((a, b) => a + b, 0);
const peak = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
console.log(`register: ${N.toLocaleString('en')} buildings, ${M.toLocaleString('en')} inspections (generated in ${(gen / 1000).toFixed(1)} s)`);
for (const [k, v] of Object.entries(times)) console.log(`  ${k.padEnd(32)} ${(v / 1000).toFixed(2).padStart(7)} s`);
console.log(`  ${'kernels total'.padEnd(32)} ${(total / 1000).toFixed(2).padStart(7)} s   (target ≤ 30 s: ${(30000 / total).toFixed(1)}× headroom)`);
console.log(`overdue: ${overdue.toLocaleString('en')}; flags: ${flags.count.toLocaleString('en')}; top score ${score[top[0]].toFixed(2)}`);
console.log(`peak RSS: ${peak.toFixed(0)} MB (target ≤ 4096 MB; includes the generated register)`);
}

// ---- import throughput (--import-rows N): `opencim safety import` of N inspections + N/3 profiles into fresh PostgreSQL databases,
// against the peer (the write as it was before: parse all, stage, writeStaged with SQL hashes) on the same files in the same run ----
const importRows = Number(o['import-rows']);
if (importRows > 0) {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join, resolve } = await import('node:path');
  const { spawnSync } = await import('node:child_process');
  const pg = (await import('pg')).default;
  const admin = process.env.OPENCIM_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const names = { peer: `opencim_bench_safety_peer_${process.pid}`, ours: `opencim_bench_safety_${process.pid}` };
  const c = new pg.Client({ connectionString: admin });
  await c.connect(); for (const n of Object.values(names)) await c.query(`CREATE DATABASE ${n}`); await c.end();
  const url = (n) => admin.replace(/\/[^/]*$/, `/${n}`);
  const dir = mkdtempSync(join(tmpdir(), 'safety-bench-'));
  const nb = Math.max(1, Math.floor(importRows / 3));
  const pl = ['building_id,year_built,design_life_years,structure,storeys,height_m,use,households,group_rental,seismic_intensity,isolation,owner,insured,fund'];
  for (let b = 0; b < nb; b++) pl.push(`w${b},${1950 + (b % 75)},50,${['brick_concrete', 'prefab_slab', 'frame'][b % 3]},${1 + (b % 30)},${(1 + (b % 30)) * 3},residential,${b % 90},0,${6 + (b % 4)},0,物业${b % 50},1,0`);
  const il = ['inspection_id,building_id,date,organisation,inspector,method,grade,hazards,measure,deadline,remediated_on,verified_by'];
  for (let j = 0; j < importRows; j++) {
    const g = 'ABCD'[j % 4], cd = g === 'C' || g === 'D';
    il.push(`I${j},w${j % nb},${2000 + (j % 26)}-${String(1 + (j % 12)).padStart(2, '0')}-15,市房屋安全鉴定中心,张三,现场查勘,${g},${cd ? 'structure;gas' : ''},${cd ? 'use' : ''},${cd ? `${2001 + (j % 26)}-01-01` : ''},,`);
  }
  const files = [join(dir, 'profiles.csv'), join(dir, 'inspections.csv')];
  writeFileSync(files[0], pl.join('\n') + '\n');
  writeFileSync(files[1], il.join('\n') + '\n');
  const bin = resolve(import.meta.dirname, '../bin/opencim.js');
  const rows = nb + importRows;
  const run = (who, label) => {
    const args = who === 'ours' ? [bin, 'safety', 'import', ...files, '--db', url(names.ours), '--json', '-q'] : [import.meta.filename, '--peer', url(names.peer), ...files];
    const t = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(r.stderr.slice(-2000));
    const sec = (performance.now() - t) / 1000;
    const [rss, user, sys] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
    // client CPU: the Node process only (the server's work is in the wall time); on a shared machine the wall time is an upper bound
    console.log(`  ${(who === 'ours' ? 'opencim safety import' : 'peer: stage + writeStaged').padEnd(27)} ${label.padEnd(22)} ${sec.toFixed(1).padStart(6)} s = ${Math.round(rows / sec).toLocaleString('en').padStart(8)} rows/s, client CPU ${(user + sys).toFixed(1)} s, peak RSS ${(rss / 1024).toFixed(0)} MB`);
    return sec;
  };
  try {
    // the store exists before its register is loaded (a city's platform): its schema is made first, timed apart
    const t = performance.now();
    for (const n of Object.values(names)) {
      const m = spawnSync(process.execPath, [bin, 'users', 'list', '--db', url(n), '--json', '-q'], { encoding: 'utf8' });
      if (m.status !== 0) throw new Error(m.stderr.slice(-2000));
    }
    console.log(`schema of the two stores made first (migrations, not timed below): ${((performance.now() - t) / 2000).toFixed(1)} s each`);
    console.log(`import of ${rows.toLocaleString('en')} rows (${nb.toLocaleString('en')} profiles + ${importRows.toLocaleString('en')} inspections), whole process (start, parse, write, seal), PostgreSQL:`);
    const pf = run('peer', 'into an empty register'), of = run('ours', 'into an empty register');
    const pu = run('peer', 'again, all unchanged'), ou = run('ours', 'again, all unchanged');
    const load = (await import('node:os')).loadavg()[0];
    console.log(`  speed-up vs the peer: ${(pf / of).toFixed(1)}× empty, ${(pu / ou).toFixed(1)}× unchanged; target ≥ 100,000 rows/s: ${Math.round(rows / of).toLocaleString('en')} rows/s (load average ${load.toFixed(1)} on ${(await import('node:os')).cpus().length} cores)`);
    // cross-check: both wrote the same records with the same content hashes
    const digest = async (n) => {
      const k = new pg.Client({ connectionString: url(n) }); await k.connect();
      const r = (await k.query(`SELECT (SELECT md5(string_agg(encode(content_hash, 'hex'), '' ORDER BY id, version)) FROM safety_inspections_versions) AS i,
        (SELECT md5(string_agg(encode(content_hash, 'hex'), '' ORDER BY building_id, version)) FROM safety_profiles_versions) AS p, (SELECT count(*) FROM safety_inspections_versions) AS n`)).rows[0];
      await k.end(); return r;
    };
    const [dp, dn] = [await digest(names.peer), await digest(names.ours)];
    console.log(`  same versions and content hashes as the peer: ${dp.i === dn.i && dp.p === dn.p ? 'yes' : 'NO'} (${dn.n} inspection versions)`);
    if (!(dp.i === dn.i && dp.p === dn.p)) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    const d = new pg.Client({ connectionString: admin });
    await d.connect(); for (const n of Object.values(names)) await d.query(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`); await d.end();
  }
}
