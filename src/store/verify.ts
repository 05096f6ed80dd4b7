/**
 * `opencim archive verify`: recompute every hash of the archive and walk every chain. Exit 0 when
 * intact; otherwise the first broken record (kind, key, version) and what is wrong with it.
 */
import { archiveSession, archiveTables, keyText, storedHashSql, type VersionedSpec } from './archive.js';
import type { Store } from './driver.js';
import { UsageError } from '../model/errors.js';

export interface Breakage { kind: string; id: string; version: number | null; problem: string }

export interface VerifyReport {
  ok: boolean;
  cities: { city_id: string; changesets: number; head: string | null; seq: number }[];
  versions: number;
  tables: string[];
  broken: Breakage[];
}

/**
 * A chain head kept outside the database (printed by an earlier verify, in a signed report): the
 * change set `seq` of the city must still be there with a head starting with `head` (hex, at least
 * 16 digits). Removing the latest change sets, or rewriting the chain from some point on, leaves a
 * chain that verifies by itself; only a head kept elsewhere shows it.
 */
export interface ExpectedHead { seq: number; head: string }

/** a chain head to keep, as `--expect` takes it: `SEQ:` and the head's first 16 hex digits */
export const headToKeep = (seq: number, head: string): string => `${seq}:${head.slice(0, 16)}`;

/** `SEQ:HEX` (as verify prints it: the change set count and the head) */
export function parseExpectedHead(s: string): ExpectedHead {
  const m = /^(\d+):([0-9a-fA-F]{16,64})$/.exec(s.trim());
  if (!m) throw new UsageError(`--expect takes SEQ:HEAD, the change set number and at least 16 hex digits of its head as verify printed them (e.g. 42:3f9a0c1d2e4b5a6f), got "${s.slice(0, 80)}" / 格式应为 序号:链头哈希`);
  return { seq: Number(m[1]), head: m[2].toLowerCase() };
}

/** Verify the whole archive (or one city's), read in one snapshot; `expect`: a head kept elsewhere (needs `cityId`). */
export async function verifyArchive(store: Store, cityId?: string, limit = 20, expect?: ExpectedHead): Promise<VerifyReport> {
  return store.transaction(async (tx) => {
    await tx.exec(`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`).catch(() => {});
    await archiveSession(tx);
    const broken: Breakage[] = [];
    const city = cityId === undefined ? 'true' : 'v.city_id = $1';
    const params = cityId === undefined ? [] : [cityId];
    const specs = await archiveTables(tx);
    let versions = 0;
    const add = (spec: VersionedSpec, rows: { k: string; version: number | null }[], problem: string) => {
      for (const r of rows) broken.push({ kind: spec.kind, id: r.k, version: r.version === null ? null : Number(r.version), problem });
    };
    for (const spec of specs) {
      const k = keyText(spec, 'v');
      const expr = await storedHashSql(tx, spec.table, 'v', 'v.changeset_id');
      versions += Number((await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${spec.table} v WHERE ${city}`, params))[0].n);
      add(spec, await tx.query(`SELECT ${k} AS k, v.version FROM ${spec.table} v WHERE ${city} AND v.content_hash <> ${expr} ORDER BY 1, 2 LIMIT ${limit}`, params),
        'content altered: its hash does not match what is stored (内容被篡改)');
      add(spec, await tx.query(
        `SELECT ${k} AS k, v.version FROM ${spec.table} v WHERE ${city}
           AND v.hash <> archive_chain_hash(v.prev_hash, v.content_hash, '${spec.kind}', ${k}, v.version, v.changeset_id) ORDER BY 1, 2 LIMIT ${limit}`, params),
        'version hash broken: it does not chain its content, key, version and change set (版本哈希不符)');
      add(spec, await tx.query(
        `SELECT ${k} AS k, v.version FROM ${spec.table} v
         LEFT JOIN ${spec.table} p ON p.city_id = v.city_id AND ${spec.key.map((c) => `p."${c}" = v."${c}"`).join(' AND ')} AND p.version = v.version - 1
         WHERE ${city} AND ((v.version = 1 AND v.prev_hash IS NOT NULL) OR (v.version > 1 AND (p.hash IS NULL OR p.hash <> v.prev_hash OR p.valid_to IS NULL OR p.closed_by IS NULL)))
         ORDER BY 1, 2 LIMIT ${limit}`, params),
        'chain broken: the previous version is missing, altered, or was never closed (版本链断裂)');
      // a version's times are its change sets' (both stamped now() in the one transaction that wrote it,
      // and recorded_at is sealed into the chain's head): valid_from and valid_to are in no hash, so a
      // time moved (a record backdated, a removal undone or moved) is found here, naming the record
      const sets = await tx.query<{ k: string; version: number; p: 'set' | 'from' | 'to' }>(
        `SELECT k, version, p FROM (SELECT ${k} AS k, v.version, CASE
           WHEN c.changeset_id IS NULL OR c.head IS NULL OR c.city_id <> v.city_id
             OR (v.closed_by IS NOT NULL AND (cc.changeset_id IS NULL OR cc.head IS NULL OR cc.city_id <> v.city_id)) THEN 'set'
           WHEN v.valid_from <> c.recorded_at THEN 'from'
           WHEN (v.valid_to IS NULL) <> (v.closed_by IS NULL) OR v.valid_to <> cc.recorded_at THEN 'to' END AS p
         FROM ${spec.table} v LEFT JOIN changesets c ON c.changeset_id = v.changeset_id LEFT JOIN changesets cc ON cc.changeset_id = v.closed_by
         WHERE ${city}) x WHERE p IS NOT NULL ORDER BY 1, 2 LIMIT ${limit}`, params);
      add(spec, sets.filter((r) => r.p === 'set'), 'written or closed by a change set that does not exist or was never sealed (变更集缺失)');
      add(spec, sets.filter((r) => r.p === 'from'), 'valid_from altered: it is not the time of the change set that wrote it (生效时间被篡改)');
      add(spec, sets.filter((r) => r.p === 'to'), 'valid_to altered: it is not the time of the change set that closed it (失效时间被篡改)');
    }
    // change sets: recompute each digest from the versions, then walk each city's chain
    const cityRows = await tx.query<{ city_id: string }>(`SELECT DISTINCT city_id FROM changesets v WHERE ${city} ORDER BY 1`, params);
    const cities: VerifyReport['cities'] = [];
    for (const { city_id } of cityRows) {
      const parts = specs.map((s) => `SELECT changeset_id AS cs, hash AS h FROM ${s.table} WHERE city_id = $1
        UNION ALL SELECT closed_by, archive_close_mark(hash, valid_to) FROM ${s.table} WHERE city_id = $1 AND closed_by IS NOT NULL`);
      const bad = await tx.query<{ changeset_id: number; seq: number | null; problem: string }>(
        `WITH d AS (SELECT cs, sha256(string_agg(h, ''::bytea ORDER BY h)) AS digest FROM (${parts.join(' UNION ALL ')}) x GROUP BY cs),
              c AS (SELECT c.*, coalesce(d.digest, sha256(''::bytea)) AS recomputed, lag(c.head) OVER (ORDER BY c.seq) AS prev FROM changesets c LEFT JOIN d ON d.cs = c.changeset_id
                    WHERE c.city_id = $1 AND c.head IS NOT NULL)
         SELECT changeset_id, seq, CASE
           WHEN digest <> recomputed THEN 'digest: the versions it wrote or closed were altered, added or removed (变更集摘要不符)'
           WHEN prev_head IS DISTINCT FROM prev THEN 'chain: its link to the previous change set is broken (档案链断裂)'
           WHEN seq <> row_number() OVER (ORDER BY seq) THEN 'chain: a change set is missing (变更集缺失)'
           WHEN head <> archive_head_hash(prev_head, digest, changeset_id, city_id, kind, actor, reason, recorded_at, seq) THEN 'head: who/when/why of the change set altered (变更集信息被篡改)'
           END AS problem
         FROM c ORDER BY seq`, [city_id]);
      for (const b of bad) if (b.problem) broken.push({ kind: 'changeset', id: `${city_id}#${b.changeset_id}`, version: b.seq === null ? null : Number(b.seq), problem: b.problem });
      const head = (await tx.query<{ seq: number; head: string; n: number }>(
        `SELECT seq, encode(head, 'hex') AS head, (SELECT count(*)::int FROM changesets WHERE city_id = $1) AS n FROM changesets WHERE city_id = $1 AND head IS NOT NULL ORDER BY seq DESC LIMIT 1`, [city_id]))[0];
      cities.push({ city_id, changesets: head ? Number(head.n) : 0, head: head?.head ?? null, seq: head ? Number(head.seq) : 0 });
    }
    if (expect && cityId !== undefined) {
      const [at] = await tx.query<{ head: string | null }>(`SELECT encode(head, 'hex') AS head FROM changesets WHERE city_id = $1 AND seq = $2`, [cityId, expect.seq]);
      const latest = cities.find((c) => c.city_id === cityId)?.seq ?? 0;
      if (!at?.head) {
        broken.push({ kind: 'changeset', id: `${cityId}#seq${expect.seq}`, version: expect.seq,
          problem: `the expected change set ${expect.seq} is gone: the chain ends at ${latest}, so change sets were removed from its end (期望的变更集已不存在：档案链被截断)` });
      } else if (!at.head.startsWith(expect.head)) {
        broken.push({ kind: 'changeset', id: `${cityId}#seq${expect.seq}`, version: expect.seq,
          problem: `change set ${expect.seq} has head ${at.head.slice(0, 16)}…, not the expected ${expect.head.slice(0, 16)}…: the chain was rewritten up to it (链头与期望不符：档案链被改写)` });
      }
    }
    return { ok: broken.length === 0, cities, versions, tables: specs.map((s) => s.table), broken: broken.slice(0, limit) };
  });
}
