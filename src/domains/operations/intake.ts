/**
 * Group commit of new cases (案件批量提交).
 *
 * Every change set is sealed into its city's hash chain under one lock per city, held from the
 * seal to the commit; with one transaction per report, every POST waits its turn for that lock
 * and pays its own commit. Here concurrent reports are queued and written together: one
 * transaction holds up to `maxBatch` reports, written with a constant number of statements
 * (`reportBatch`: ids, grids and duplicates in one query, the versions set-wise through the
 * archive; a report's own errors are found before it is queued; should a batch fail anyway,
 * each of its reports is tried again alone), the reports of one actor and reason share one
 * change set, the change sets are sealed in the chain at the end, and then the transaction
 * commits. Nobody is answered before that commit: an acknowledged case is durable, and a crash
 * before the commit loses only unacknowledged reports. Up to `concurrency` batches are in flight
 * at once (their seals still take the city's lock in turn); a batch starts as soon as a slot is
 * free, so a lone report waits for nobody.
 *
 * `opencim archive verify` is unchanged: a change set holding many versions is what an import
 * has always been.
 */
import type { Store } from '../../store/driver.js';
import { archiveSession, type Changeset, openChangeset, sealChangeset } from '../../store/archive.js';
import { type CaseRow, classOf, type NewReport, type OpsConfig, reportAttributes, reportBatch, reportIn, reportReason } from './store.js';

interface Pending { cfg: OpsConfig; r: NewReport; resolve: (c: CaseRow) => void; reject: (e: unknown) => void }

export interface IntakeOptions {
  /** most reports in one transaction */
  maxBatch?: number;
  /** most batches (transactions) in flight at once */
  concurrency?: number;
}

export interface IntakeStats { batches: number; reports: number; largest: number; failed: number; retried: number }

/** `OPENCIM_GROUP_COMMIT=off` (or 0/false): one transaction per report, as before group commit */
export function groupCommitOff(env = process.env.OPENCIM_GROUP_COMMIT): boolean {
  return env !== undefined && /^(off|0|false|no)$/i.test(env.trim());
}

/** `OPENCIM_GROUP_COMMIT=BATCHxCONCURRENCY` (e.g. 64x3) tunes the queue; anything else: the defaults */
export function intakeOptionsFromEnv(env = process.env.OPENCIM_GROUP_COMMIT): IntakeOptions {
  const m = /^\s*(\d{1,5})x(\d{1,2})\s*$/.exec(env ?? '');
  return m ? { maxBatch: Number(m[1]), concurrency: Number(m[2]) } : {};
}

export class Intake {
  private queue: Pending[] = [];
  private active = 0;
  readonly stats: IntakeStats = { batches: 0, reports: 0, largest: 0, failed: 0, retried: 0 };
  readonly maxBatch: number;
  readonly concurrency: number;

  constructor(private readonly store: Store, o: IntakeOptions = {}) {
    this.maxBatch = Math.max(1, o.maxBatch ?? 256);
    // PGlite runs one transaction at a time anyway; a server pool (8 connections) keeps room for reads
    this.concurrency = Math.max(1, o.concurrency ?? (store.kind === 'pglite' ? 1 : 3));
  }

  /** queue a report; resolves with the case once the transaction holding it has committed */
  submit(cfg: OpsConfig, r: NewReport): Promise<CaseRow> {
    return new Promise<CaseRow>((resolve, reject) => {
      // a report's own errors (unknown class, bad attribute) are answered at once, not inside a batch
      try { reportAttributes(classOf(cfg, r.serviceCode), r); } catch (e) { reject(e); return; }
      this.queue.push({ cfg, r, resolve, reject });
      this.pump();
    });
  }

  /** resolves once every queued report has been written or rejected (call before closing the store) */
  async drain(): Promise<void> {
    while (this.active || this.queue.length) await new Promise<void>((r) => this.idle.push(r));
  }
  private idle: (() => void)[] = [];

  private pump(): void {
    while (this.active < this.concurrency && this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.active++;
      void this.run(batch).finally(() => {
        this.active--;
        this.pump();
        if (!this.active && !this.queue.length) for (const r of this.idle.splice(0)) r();
      });
    }
  }

  private sinceAnalyze = 0;
  private analyzeAt = 200;
  /**
   * PGlite has no autovacuum: without statistics the planner takes the (city, reported_at) index
   * for the duplicate search instead of the spatial one, and every report scans every recent case.
   * So the cases are analysed as they grow (after 200, 400, 800, ... new reports).
   */
  private async analyzeAsItGrows(n: number): Promise<void> {
    if (this.store.kind !== 'pglite') return;
    this.sinceAnalyze += n;
    if (this.sinceAnalyze < this.analyzeAt) return;
    this.analyzeAt = Math.min(this.analyzeAt * 2, 100_000);
    this.sinceAnalyze = 0;
    await this.store.exec('ANALYZE cases_versions').catch(() => {});
  }

  private async run(batch: Pending[]): Promise<void> {
    let rows: CaseRow[];
    try {
      rows = await this.store.transaction(async (tx) => {
        await archiveSession(tx);
        const sets = new Map<string, Changeset>();
        const changeset = async (r: NewReport) => {
          const key = JSON.stringify([r.cityId, r.actor, reportReason(r)]);
          let cs = sets.get(key);
          if (!cs) {
            cs = await openChangeset(tx, { cityId: r.cityId, actor: r.actor, reason: reportReason(r), kind: 'cases' });
            sets.set(key, cs);
          }
          return cs;
        };
        const out = await reportBatch(tx, batch, changeset);
        // seal last: the city's chain lock is held from the first seal to the commit; cities in
        // one order in every batch, so two batches never wait on each other's locks crosswise
        const order = [...sets.values()].sort((a, b) => (a.cityId < b.cityId ? -1 : a.cityId > b.cityId ? 1 : a.id - b.id));
        for (const cs of order) await sealChangeset(tx, cs);
        return out;
      });
    } catch (e) {
      // Nothing of this batch was kept (the transaction rolled back) and nobody was answered. A
      // report's own fault (e.g. a bad attribute) must not sink the others: each is tried again
      // alone, in its own transaction. Not when the connection was lost while committing: then
      // whether the batch was kept is unknown, and a retry could record a case twice.
      if (batch.length > 1 && !(e instanceof Error && e.name === 'ConnectionLostError')) {
        this.stats.retried += batch.length;
        await Promise.all(batch.map((p) => this.store.transaction((tx) => reportIn(tx, p.cfg, p.r)).then(
          (row) => { this.stats.reports++; p.resolve(row); },
          (err) => { this.stats.failed++; p.reject(err); })));
        return;
      }
      this.stats.failed += batch.length;
      for (const p of batch) p.reject(e);
      return;
    }
    this.stats.batches++;
    this.stats.reports += rows.length;
    await this.analyzeAsItGrows(rows.length);
    this.stats.largest = Math.max(this.stats.largest, batch.length);
    batch.forEach((p, i) => p.resolve(rows[i]));
  }
}

const intakes = new WeakMap<Store, Intake>();
/** the store's intake queue (one per opened store, i.e. per process and database) */
export function intakeOf(store: Store, o?: IntakeOptions): Intake {
  let i = intakes.get(store);
  if (!i) { i = new Intake(store, o ?? intakeOptionsFromEnv()); intakes.set(store, i); }
  return i;
}
