import { Command, Option } from 'commander';
import { cliActor } from './actor.js';
import { table, WAIT_OPTION } from './output.js';
import { UsageError } from '../model/errors.js';

const STATUSES = ['queued', 'running', 'succeeded', 'failed'];

/** `opencim jobs` (list), `opencim jobs submit KIND --params JSON`, and `opencim worker`. */
export function jobsCommandSpec(dbOption: () => Option): Command {
  const jobs = new Command('jobs')
    .enablePositionalOptions()
    .description('jobs (任务): list them (queued, running, succeeded, failed); `jobs submit KIND` queues one (PostgreSQL) or runs it now (PGlite)')
    .addOption(dbOption())
    .option(...WAIT_OPTION)
    .addOption(new Option('--status <status>', 'only jobs in this state').choices(STATUSES))
    .option('--kind <kind>', 'only jobs of this kind')
    .option('--limit <n>', 'newest N jobs', (v: string) => { const n = Number(v); if (!Number.isInteger(n) || n < 1) throw new UsageError(`--limit must be a positive integer, got "${v}"`); return n; }, 50)
    .option('--json', 'JSON output')
    .option('-q, --quiet', 'job ids only')
    .action(async (o) => { await listCommand(o); });
  jobs.command('submit')
    .description('submit a job: validated against its parameter schema, then queued for the workers (postgres://) or run now in this process (PGlite) / 提交任务')
    .argument('<kind>', 'job kind, e.g. store.analyze, access, noop.sleep')
    .option('--params <json>', 'parameters as a JSON object', '{}')
    .addOption(dbOption())
    .option(...WAIT_OPTION)
    .option('--actor <name>', 'who submits (default $OPENCIM_ACTOR, else cli:<os user>)')
    .option('--timeout <s>', 'seconds after which a running job is taken for lost and retried (pg-boss)', (v: string) => { const n = Number(v); if (!Number.isInteger(n) || n < 1) throw new UsageError(`--timeout must be a positive number of seconds, got "${v}"`); return n; })
    .option('--json', 'JSON output')
    .option('-q, --quiet', 'print only the job id')
    .action(async (kind: string, o) => { await submitCommand(kind, o); });
  return jobs;
}

export function workerCommandSpec(dbOption: () => Option): Command {
  return new Command('worker')
    .description('take jobs from the queue until stopped (PostgreSQL; several workers on several machines share one queue); SIGTERM finishes or releases the current job / 任务执行进程')
    .addOption(dbOption())
    .option('--concurrency <n>', 'jobs at a time per kind', (v: string) => { const n = Number(v); if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--concurrency must be an integer from 1 to 64, got "${v}"`); return n; }, 1)
    .option('--grace <s>', 'on SIGTERM, seconds to let running jobs finish before releasing them', (v: string) => { const n = Number(v); if (!(n >= 1)) throw new UsageError(`--grace must be at least 1 second, got "${v}"`); return n; }, 30)
    .option('--json', 'the log as JSON lines on stdout ({"time", "worker", "message"})')
    .option('-q, --quiet', 'no log on stderr')
    .action(async (o) => { await workerCommand(o); });
}

async function listCommand(o: { db?: string; status?: 'queued'; kind?: string; limit: number; json?: boolean; quiet?: boolean }): Promise<void> {
  const { openStore } = await import('../store/driver.js');
  const { listJobs } = await import('../jobs/rows.js');
  const store = await openStore(o.db);
  try {
    let lost = new Map<number, string | null>();
    if (store.kind === 'postgres') {
      const boss = await import('../jobs/pgboss.js');
      await boss.reconcile(store);
      lost = await boss.lostJobs(store);
    } else await (await import('../jobs/in-process.js')).reconcileInProcess(store);
    const rows = await listJobs(store, { status: o.status, kind: o.kind, limit: o.limit });
    // a running job whose worker is gone says so (and when it is retried), never that it is at its last progress
    const lostNote = (id: number) => `worker lost 执行进程已中断: retried ${lost.get(id) ? `after ${lost.get(id)}` : 'after its timeout'}`;
    if (o.json) {
      process.stdout.write(JSON.stringify({ db: store.location, jobs: rows.map((r) => (lost.has(r.job_id) ? { ...r, worker_lost: true, retry_at: lost.get(r.job_id) } : r)) }, null, 2) + '\n');
      return;
    }
    if (o.quiet) { for (const r of rows) process.stdout.write(`${r.job_id}\n`); return; }
    if (!rows.length && (o.status || o.kind)) { process.stdout.write(`no jobs${o.kind ? ` of kind ${o.kind}` : ''}${o.status ? ` ${o.status}` : ''} in ${store.location} (无符合条件的任务)\n`); return; }
    if (!rows.length) { process.stdout.write(`no jobs in ${store.location} yet (尚无任务): opencim jobs submit KIND --params '{...}'\n`); return; }
    process.stdout.write(table([
      ['id', 'kind 类型', 'status 状态', 'attempts 次数', 'actor 提交人', 'created 创建', 'started 开始', 'finished 结束', 'worker', 'error / progress'],
      ...rows.map((r) => [r.job_id, r.kind, r.status, `${r.attempts}/${r.max_attempts}`, r.actor, r.created_at, r.started_at ?? '', r.finished_at ?? '', r.worker ?? '',
        // a running job is its progress; an error then is its last attempt's, which is being retried
        lost.has(r.job_id) ? lostNote(r.job_id)
          : r.status === 'running' ? [`${Math.round((r.progress ?? 0) * 100)}%`, r.message, r.error && `(retrying 重试中; attempt before: ${r.error.slice(0, 80)})`].filter(Boolean).join(' ')
          : r.error ? r.error.slice(0, 100) : '']),
    ]) + '\n');
  } finally {
    await store.close();
  }
}

async function submitCommand(kind: string, o: { db?: string; params: string; actor?: string; timeout?: number; json?: boolean; quiet?: boolean }): Promise<void> {
  let raw: unknown;
  try { raw = JSON.parse(o.params); } catch (e) { throw new UsageError(`--params is not JSON (参数不是 JSON): ${(e as Error).message}`); }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError('--params must be a JSON object, e.g. \'{"ms": 1000}\' (参数须为 JSON 对象)');
  const { getJob } = await import('../jobs/registry.js');
  const { parseParams } = await import('../jobs/contract.js');
  // validate before opening the store: a bad submission writes nothing
  try { parseParams(getJob(kind), raw); } catch (e) { throw new UsageError((e as Error).message); }
  const actor = cliActor(o.actor);
  const { openStore, resolveDb, isServerUrl } = await import('../store/driver.js');
  const store = await openStore(o.db);
  try {
    if (isServerUrl(resolveDb(o.db))) {
      const { enqueue } = await import('../jobs/pgboss.js');
      const { jobId } = await enqueue(store, resolveDb(o.db), kind, raw, actor, { timeoutSeconds: o.timeout });
      if (o.json) process.stdout.write(JSON.stringify({ job_id: jobId, kind, status: 'queued' }) + '\n');
      else if (o.quiet) process.stdout.write(`${jobId}\n`);
      else process.stdout.write(`job ${jobId} ${kind} queued (已排队); a worker takes it: opencim worker --db ...; see opencim jobs\n`);
      return;
    }
    const { runNow } = await import('../jobs/in-process.js');
    const row = await runNow(store, kind, raw, actor, { log: o.quiet ? undefined : (m) => process.stderr.write(`${kind}: ${m}\n`) });
    if (o.json) process.stdout.write(JSON.stringify(row, null, 2) + '\n');
    else if (o.quiet) process.stdout.write(`${row.job_id}\n`);
    else process.stdout.write(`job ${row.job_id} ${kind} ${row.status}${row.error ? `: ${row.error}` : ''}${row.result !== null && row.status === 'succeeded' ? `\nresult: ${JSON.stringify(row.result)}` : ''}\n`);
    if (row.status !== 'succeeded') process.exitCode = 1;
  } finally {
    await store.close();
  }
}

async function workerCommand(o: { db?: string; concurrency: number; grace: number; json?: boolean; quiet?: boolean }): Promise<void> {
  const { openStore, resolveDb, isServerUrl } = await import('../store/driver.js');
  const url = resolveDb(o.db);
  if (!isServerUrl(url)) throw new UsageError('the worker needs a PostgreSQL server (--db postgres://... or DATABASE_URL); with an embedded PGlite store jobs run in-process: `opencim jobs submit` runs them now, `opencim serve` runs scheduled ones');
  const store = await openStore(url);
  const log = o.json ? (m: string) => process.stdout.write(JSON.stringify({ time: new Date().toISOString(), worker: process.pid, message: m }) + '\n')
    : o.quiet ? () => {} : (m: string) => process.stderr.write(`${new Date().toISOString()} worker: ${m}\n`);
  const { startWorker } = await import('../jobs/pgboss.js');
  const { JOBS } = await import('../jobs/registry.js');
  // the signals are handled from before the worker starts: it may take a job before startWorker returns
  const started = startWorker(store, url, { concurrency: o.concurrency, log });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log(`stopping: finishing the current jobs (up to ${o.grace} s), then releasing them`);
    const w = await started.catch(() => undefined);
    await w?.stop({ graceMs: o.grace * 1000 }).catch((e) => log(`stop: ${(e as Error).message}`));
    await store.close().catch(() => {});
    log('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const w = await started;
  log(`${w.name} on ${store.location}: kinds ${JOBS.map((j) => j.kind).join(', ')}; concurrency ${o.concurrency}. SIGTERM/Ctrl-C stops (已启动)`);
}
