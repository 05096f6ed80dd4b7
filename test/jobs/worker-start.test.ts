/**
 * Several `opencim worker` processes started at the same moment on a fresh database (how a province
 * run or a restart after a deploy begins): their setup (pg-boss's schema, the queues, the schedules)
 * used to deadlock, and one worker exited with "deadlock detected". Each must come up and take jobs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/driver.js';
import { BIN, runCli } from '../helpers/cli.js';
import { DRIVERS } from '../helpers/stores.js';

const PG = DRIVERS[1];
const env = { ...process.env, DATABASE_URL: undefined, OPENCIM_JOBS_POLL_S: '0.5', OPENCIM_JOBS_MAINTENANCE_S: '1' };

describe('workers starting at once', () => {
  const procs: ChildProcess[] = [];
  afterAll(async () => { for (const p of procs) p.kill('SIGKILL'); });

  it('three workers started together on a fresh database, jobs submitted meanwhile: all come up, every job done once', { timeout: 180_000 }, async () => {
    const db = await PG.fresh();
    const store = await openStore(db);
    await store.close();
    const logs: string[] = [];
    const exits: (number | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const p = spawn(process.execPath, [BIN, 'worker', '--db', db], { env });
      logs.push('');
      p.stderr!.on('data', (d) => { logs[i] += d; });
      p.on('exit', (code) => exits.push(code));
      procs.push(p);
    }
    // jobs submitted at the same moment, while the workers set up: six short ones
    const ids = (await Promise.all(Array.from({ length: 6 }, () => runCli(['jobs', 'submit', 'noop.sleep', '--params', '{"ms": 300}', '--db', db, '--json']))))
      .map((r) => { expect(r.code, r.stderr).toBe(0); return JSON.parse(r.stdout).job_id as number; });
    const deadline = Date.now() + 120_000;
    while (logs.some((l) => !/SIGTERM\/Ctrl-C stops/.test(l)) && exits.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(exits, logs.join('\n---\n')).toEqual([]);
    expect(logs.every((l) => /SIGTERM\/Ctrl-C stops/.test(l))).toBe(true);
    // all done, each once
    let rows: { job_id: number; status: string; attempts: number }[] = [];
    while (Date.now() < deadline) {
      rows = JSON.parse((await runCli(['jobs', '--db', db, '--json'])).stdout).jobs;
      if (rows.filter((r) => ids.includes(r.job_id)).every((r) => r.status === 'succeeded')) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(rows.filter((r) => ids.includes(r.job_id)).map((r) => [r.status, r.attempts])).toEqual(ids.map(() => ['succeeded', 1]));
    expect(exits).toEqual([]);
  });
});
