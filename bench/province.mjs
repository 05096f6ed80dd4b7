#!/usr/bin/env node
// A province on workers (issue 14, target 5): N generated cities imported and checked through the
// job queue (pg-boss on one PostgreSQL) by 1 and then 2 `opencim worker` processes, in one run.
// Prints the total time of each round, the throughput ratio 2 workers / 1 worker, and checks that
// every job finished exactly once: one import change set and one succeeded check run per city,
// no failed job. With --kill, one worker of the 2-worker round is killed with SIGKILL mid-run and a
// replacement started, in a third round: its job is retried by pg-boss after its expiry (--expire s), and must still finish once.
// usage: npm run build && node bench/province.mjs [--cities 20] [--buildings 100000] [--kill] [--pg postgres://postgres@127.0.0.1:5432]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({ options: {
  cities: { type: 'string', default: '20' }, buildings: { type: 'string', default: '100000' },
  pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' }, kill: { type: 'boolean', default: false },
  expire: { type: 'string', default: '60' },
} });
const N = Number(o.cities);
const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin/opencim.js');
const cache = join(root, 'bench/.cache');
mkdirSync(cache, { recursive: true });
const psql = (db, sql) => execFileSync('psql', [`${o.pg}/${db}`, '-qAtc', sql], { encoding: 'utf8' }).trim();
const cli = (args) => JSON.parse(execFileSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 }));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// the cities, generated once (each its own seed: a different street plan)
const files = [];
for (let i = 1; i <= N; i++) {
  const f = join(cache, `province-${o.buildings}-${i}.osm.pbf`);
  if (!existsSync(f)) execFileSync(process.execPath, [bin, 'generate', '--out', f, '--buildings', o.buildings, '--seed', String(i), '-q'], { stdio: 'ignore' });
  files.push(f);
}
console.log(`province: ${N} generated cities of ${Number(o.buildings).toLocaleString('en')} buildings`);

function startWorker(url, tag) {
  const w = spawn(process.execPath, [bin, 'worker', '--db', url], { stdio: ['ignore', 'ignore', 'pipe'] });
  w.tag = tag;
  let tail = '';
  w.stderr.on('data', (d) => { tail = (tail + d).slice(-2000); });
  w.on('exit', (code, signal) => { if (code && !w.stopping) console.error(`worker ${tag} exited with ${code}${signal ? ` (${signal})` : ''}:\n${tail}`); });
  return w;
}

async function waitFor(url, ids, onTick) {
  for (;;) {
    const jobs = cli(['jobs', '--db', url, '--json', '--limit', '1000']).jobs.filter((j) => ids.includes(j.job_id));
    await onTick?.(jobs);
    if (jobs.length === ids.length && jobs.every((j) => j.status === 'succeeded' || j.status === 'failed')) return jobs;
    await sleep(1000);
  }
}

async function round(workers, kill) {
  const name = `bench_province_${workers}${kill ? '_kill' : ''}`;
  psql('postgres', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  psql('postgres', `CREATE DATABASE ${name}`);
  const url = `${o.pg}/${name}`;
  cli(['jobs', '--db', url, '--json']); // migrate once, before the workers race to
  const pool = Array.from({ length: workers }, (_, i) => startWorker(url, `w${i + 1}`));
  const t0 = performance.now();
  let killed = null;
  const phase = async (kind, params) => {
    const ids = params.map((p) => cli(['jobs', 'submit', kind, '--db', url, '--params', JSON.stringify(p), '--timeout', o.expire, '--json', '--actor', 'bench:province']).job_id);
    return waitFor(url, ids, async (jobs) => {
      // mid-run: kill -9 a worker that is running a job, and start another in its place
      if (kill && !killed && kind === 'check' && jobs.some((j) => j.status === 'succeeded')) {
        // the worker running a job (jobs name their worker host:pid)
        const running = jobs.find((j) => j.status === 'running' && j.worker);
        const i = running ? pool.findIndex((w) => String(running.worker).endsWith(`:${w.pid}`)) : -1;
        if (i >= 0) {
          pool[i].kill('SIGKILL');
          killed = { job: running.job_id, at_s: (performance.now() - t0) / 1000 };
          pool[i] = startWorker(url, `${pool[i].tag}-replacement`);
        }
      }
    });
  };
  const imports = await phase('import', files.map((f, i) => ({ files: [f], city: `c${i + 1}` })));
  const tImport = (performance.now() - t0) / 1000;
  const checks = await phase('check', files.map((_, i) => ({ city: `c${i + 1}` })));
  const total = (performance.now() - t0) / 1000;
  for (const w of pool) { w.stopping = true; w.kill('SIGTERM'); }
  await sleep(500);
  // exactly once: one import change set and one succeeded check run per city; nothing failed
  const failed = [...imports, ...checks].filter((j) => j.status === 'failed').length;
  const importSets = psql(name, `SELECT count(*) FILTER (WHERE n <> 1) || '/' || count(*) FROM (SELECT city_id, count(*) n FROM changesets WHERE kind = 'import' GROUP BY city_id) x`);
  const checkRuns = psql(name, `SELECT count(*) FILTER (WHERE n <> 1) || '/' || count(*) FROM (SELECT city_id, count(*) n FROM runs WHERE kind = 'check' AND status = 'succeeded' GROUP BY city_id) x`);
  const retried = [...imports, ...checks].filter((j) => j.attempts > 1).map((j) => j.job_id);
  return { workers, total, tImport, failed, importSets, checkRuns, retried, killed };
}

// the throughput rounds, then (with --kill) a round that loses a worker: it waits for the job's expiry, so it is not timed
const rows = [];
for (const [w, kill] of [[1, false], [2, false], ...(o.kill ? [[2, true]] : [])]) {
  const r = await round(w, kill);
  rows.push(r);
  console.log(`${w} worker(s)${kill ? ', one killed with SIGKILL mid-run' : ''}: ${r.total.toFixed(1)} s (imports ${r.tImport.toFixed(1)} s, checks ${(r.total - r.tImport).toFixed(1)} s); ` +
    `failed jobs ${r.failed}; cities with ≠ 1 import change set: ${r.importSets}; with ≠ 1 succeeded check run: ${r.checkRuns}` +
    (r.killed ? `; killed a worker running job ${r.killed.job} at ${r.killed.at_s.toFixed(0)} s, retried: ${r.retried.join(', ') || 'none'}` : ''));
}
console.log(`throughput 2 workers / 1 worker: ${(rows[0].total / rows[1].total).toFixed(2)}× (cities per hour: ${(3600 * N / rows[0].total).toFixed(0)} → ${(3600 * N / rows[1].total).toFixed(0)})`);
