/**
 * Runs: one record for every analysis run (kind, parameters, the data version it read, status,
 * actor, times). Results are written per run and never overwritten; "current" is the latest
 * succeeded run of a kind. A run that fails or is killed is marked failed, its results never
 * committed (they are written in the transaction that marks the run succeeded).
 */
import type { Queryable, Store } from './driver.js';

export type RunStatus = 'running' | 'succeeded' | 'failed';

export interface Run {
  city_id: string;
  run_id: number;
  kind: string;
  status: RunStatus;
  params: Record<string, unknown>;
  inputs: DataVersion;
  actor: string;
  job_id: string | null;
  started_at: string;
  finished_at: string | null;
  error: string | null;
  summary: Record<string, unknown> | null;
}

/** what a run read: the city's archive head, and the sources as imported */
export interface DataVersion {
  archive: { seq: number; head: string | null };
  sources: { source_id: string; sha256: string; version: string | null; imported_at: string }[];
}

const iso = (c: string) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
const RUN_COLS = `city_id, run_id, kind, status, params, inputs, actor, job_id, ${iso('started_at')} AS started_at, ${iso('finished_at')} AS finished_at, error, summary`;

/** The data version of a city now: its archive head and sources. */
export async function dataVersion(q: Queryable, cityId: string): Promise<DataVersion> {
  const head = (await q.query<{ seq: number; head: string }>(
    `SELECT seq, encode(head, 'hex') AS head FROM changesets WHERE city_id = $1 AND head IS NOT NULL ORDER BY seq DESC LIMIT 1`, [cityId]))[0];
  const sources = await q.query<DataVersion['sources'][number]>(
    `SELECT source_id, sha256, version, ${iso('imported_at')} AS imported_at FROM sources WHERE city_id = $1 ORDER BY source_id`, [cityId]);
  return { archive: { seq: head ? Number(head.seq) : 0, head: head?.head ?? null }, sources };
}

/** Record the start of a run (committed at once, so that a run that dies is seen). */
export async function startRun(store: Store, o: { cityId: string; kind: string; params?: Record<string, unknown>; actor: string; jobId?: string }): Promise<Run> {
  const inputs = await dataVersion(store, o.cityId);
  const r = await store.query<Run>(
    `INSERT INTO runs (city_id, kind, status, params, inputs, actor, job_id) VALUES ($1, $2, 'running', $3, $4, $5, $6) RETURNING ${RUN_COLS}`,
    [o.cityId, o.kind, JSON.stringify(o.params ?? {}), JSON.stringify(inputs), o.actor, o.jobId ?? null]);
  return normalise(r[0]);
}

/** Mark a run succeeded, in the transaction that writes its results. */
export async function succeedRun(tx: Queryable, runId: number, summary?: Record<string, unknown>): Promise<void> {
  await tx.query(`UPDATE runs SET status = 'succeeded', finished_at = clock_timestamp(), summary = $2 WHERE run_id = $1 AND status = 'running'`,
    [runId, summary ? JSON.stringify(summary) : null]);
}

/** Mark a run failed (its results were never committed). */
export async function failRun(store: Queryable, runId: number, error: unknown): Promise<void> {
  const msg = error instanceof Error ? error.message : String(error);
  await store.query(`UPDATE runs SET status = 'failed', finished_at = clock_timestamp(), error = $2 WHERE run_id = $1 AND status = 'running'`, [runId, msg.slice(0, 4000)]);
}

/**
 * Run `work` as a run of `kind`: started (visible at once), then `work(run)` writes its results and
 * must call `succeedRun` in the transaction that commits them; on any error the run is marked failed.
 */
export async function withRun<T>(store: Store, o: Parameters<typeof startRun>[1], work: (run: Run) => Promise<T>): Promise<T> {
  const run = await startRun(store, o);
  try {
    return await work(run);
  } catch (e) {
    await failRun(store, run.run_id, e).catch(() => {});
    throw e;
  }
}

/** The latest succeeded run of a kind, or null. */
export async function currentRun(q: Queryable, cityId: string, kind: string): Promise<Run | null> {
  const r = await q.query<Run>(`SELECT ${RUN_COLS} FROM runs WHERE city_id = $1 AND kind = $2 AND status = 'succeeded' ORDER BY run_id DESC LIMIT 1`, [cityId, kind]);
  return r.length ? normalise(r[0]) : null;
}

export async function getRun(q: Queryable, runId: number): Promise<Run | null> {
  const r = await q.query<Run>(`SELECT ${RUN_COLS} FROM runs WHERE run_id = $1`, [runId]);
  return r.length ? normalise(r[0]) : null;
}

export async function listRuns(q: Queryable, o: { cityId?: string; kind?: string; limit?: number } = {}): Promise<Run[]> {
  const r = await q.query<Run>(
    `SELECT ${RUN_COLS} FROM runs WHERE ($1::text IS NULL OR city_id = $1) AND ($2::text IS NULL OR kind = $2) ORDER BY run_id DESC LIMIT $3`,
    [o.cityId ?? null, o.kind ?? null, o.limit ?? 100]);
  return r.map(normalise);
}

/**
 * Runs left `running` by a process that died (kill -9, power loss): marked failed with the reason,
 * so that nobody waits for them. `olderThanS`: only runs started that long ago.
 */
export async function failStaleRuns(q: Queryable, olderThanS: number): Promise<number> {
  return q.execute(
    `UPDATE runs SET status = 'failed', finished_at = clock_timestamp(), error = 'the process running it stopped before it finished (进程中断)'
     WHERE status = 'running' AND started_at < clock_timestamp() - make_interval(secs => $1)`, [olderThanS]);
}

function normalise(r: Run): Run {
  const j = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  return { ...r, run_id: Number(r.run_id), params: j(r.params), inputs: j(r.inputs), summary: j(r.summary) };
}
