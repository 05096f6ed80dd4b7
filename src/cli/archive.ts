/**
 * The archive's commands: `opencim history COLLECTION ID`, `opencim changes --since T`,
 * `opencim archive verify`. Thin: parse, call the archive, print.
 */
import { Command, type Option } from 'commander';
// (the archive's modules load when a command of this file runs, not for every command of the CLI)
const archive = () => import('../store/archive.js');
const openStore = async (db?: string) => (await import('../store/driver.js')).openStore(db);
const resolveCity = async (store: import('../store/driver.js').Store, city?: string) => (await import('../analysis/network/store.js')).resolveCity(store, city);
import { table, WAIT_OPTION } from './output.js';
import { UsageError } from '../model/errors.js';

interface Common { db?: string; city?: string; json?: boolean; quiet?: boolean }

const print = (s: string) => process.stdout.write(s + '\n');

export function archiveCommandSpecs(dbOption: () => Option): Command[] {
  const hist = new Command('history')
    .description('every version of a record, with who/when/why and the fields that changed (档案: 记录的历史版本)')
    .argument('<collection>', 'collection id: buildings, facilities, green_spaces, land_use, admin_areas, walk_edges, inspections, building_safety, cases, ...')
    .argument('<id>', 'the record id (e.g. w123; a facility: w123 for all its categories or w123:school)')
    .addOption(dbOption())
    .option(...WAIT_OPTION)
    .option('--city <name>', 'city (default: the only one)')
    .option('--json', 'JSON output')
    .option('-q, --quiet', 'nothing on stderr')
    .action(async (collection: string, id: string, o: Common) => { await historyCommand(collection, id, o); });
  const chg = new Command('changes')
    .description('what changed in the city between two times: added, changed, removed per kind, with ids (两期之间的变化)')
    .requiredOption('--since <time>', 'from (exclusive): YYYY-MM-DD (end of that day, UTC) or an ISO date-time')
    .option('--until <time>', 'to (inclusive), default now')
    .addOption(dbOption())
    .option(...WAIT_OPTION)
    .option('--city <name>', 'city (default: the only one)')
    .option('--json', 'JSON output')
    .option('-q, --quiet', 'nothing on stderr')
    .action(async (o: Common & { since: string; until?: string }) => { await changesCommand(o); });
  const archive = new Command('archive').description('the city archive (城市建设档案): verify that nothing was altered');
  archive.command('verify')
    .description('recompute every hash and walk every chain; exit 0 when intact, else 1 naming the first broken record (档案完整性校验)')
    .addOption(dbOption())
    .option(...WAIT_OPTION)
    .option('--city <name>', 'only this city')
    .option('--expect <seq:head>', '核对另存的链头 a chain head kept elsewhere (as verify printed it, SEQ:HEAD): the city\'s change set SEQ must still have it; finds change sets removed from the end, which the chain alone cannot show (needs --city)')
    .option('--json', 'JSON output')
    .option('-q, --quiet', 'nothing on stderr')
    .action(async (o: Common & { expect?: string }) => { await verifyCommand(o); });
  return [hist, chg, archive];
}

async function historyCommand(collection: string, id: string, o: Common): Promise<void> {
  const { archiveTables, history, recordKey } = await archive();
  const store = await openStore(o.db);
  try {
    // a collection id names its records' kind (walk_network: walk_edges)
    const kind = (await import('../catalog/collections.js')).archiveKindFor(collection);
    const spec = (await archiveTables(store)).find((s) => s.kind === kind);
    if (!spec) throw new UsageError(`no versioned collection "${collection}" (collections: ${(await archiveTables(store)).map((s) => s.kind).join(', ')})`);
    const city = await resolveCity(store, o.city);
    const key = recordKey(spec, id);
    const versions = await history(store, spec, city, key);
    if (!versions.length) {
      process.stderr.write(`error: no record ${collection}/${id} in city ${city} (记录不存在)\n`);
      process.exitCode = 1;
      if (o.json) print(JSON.stringify({ collection, id, city, versions: [] }));
      return;
    }
    if (o.json) { print(JSON.stringify({ collection, id, city, versions }, null, 2)); return; }
    print(`${collection} ${id} — ${versions.length} version(s) 版本 (city ${city})`);
    print(table([['key', 'v', 'valid from 生效', 'valid to 失效', 'actor 操作人', 'reason 原因', 'changed 变更字段'],
      ...versions.map((v) => [v.key, v.version, v.valid_from.slice(0, 19), v.valid_to ? v.valid_to.slice(0, 19) : 'current 现行', v.actor, v.reason.slice(0, 60),
        v.version === 1 ? '(new 新增)' : v.changed_fields.join(', ') || '-'])]));
    // a record whose last version was closed was removed: by whom and why
    versions.forEach((v, i) => {
      if (v.closed_by && versions[i + 1]?.key !== v.key) print(`${v.key}: removed 已移除 ${v.valid_to!.slice(0, 19)} by ${v.closed_by.actor}: ${v.closed_by.reason.slice(0, 100)}`);
    });
  } finally {
    await store.close();
  }
}

async function changesCommand(o: Common & { since: string; until?: string }): Promise<void> {
  const { changes, parseArchiveTime } = await archive();
  const since = parseArchiveTime(o.since, '--since');
  const until = o.until ? parseArchiveTime(o.until, '--until') : new Date().toISOString();
  if (since >= until) throw new UsageError(`--since ${since} is not before --until ${until} (起始时间须早于截止时间)`);
  const store = await openStore(o.db);
  try {
    const city = await resolveCity(store, o.city);
    const list = await changes(store, city, since, until);
    if (o.json) { print(JSON.stringify({ city, since, until, kinds: list }, null, 2)); return; }
    print(`changes 变化 in city ${city}, ${since} → ${until}`);
    print(table([['kind 类型', 'added 新增', 'changed 变更', 'removed 移除'], ...list.map((c) => [c.kind, c.added.length, c.changed.length, c.removed.length])]));
    for (const c of list) {
      for (const what of ['added', 'changed', 'removed'] as const) {
        if (c[what].length) print(`${c.kind} ${what}: ${c[what].slice(0, 20).join(', ')}${c[what].length > 20 ? ` ... (${c[what].length - 20} more; --json lists all)` : ''}`);
      }
    }
  } finally {
    await store.close();
  }
}

async function verifyCommand(o: Common & { expect?: string }): Promise<void> {
  const { headToKeep, parseExpectedHead, verifyArchive } = await import('../store/verify.js');
  const expect = o.expect !== undefined ? parseExpectedHead(o.expect) : undefined;
  if (expect && o.city === undefined) throw new UsageError('--expect names a head of one city\'s chain: give --city too (请同时指定 --city)');
  const store = await openStore(o.db);
  try {
    // a city that is not there is an error, never an archive found intact
    if (o.city !== undefined) await resolveCity(store, o.city);
    const r = await verifyArchive(store, o.city, 20, expect);
    if (o.json) print(JSON.stringify(r, null, 2));
    else if (r.ok) {
      print(`archive intact 档案完整: ${r.versions.toLocaleString('en')} versions in ${r.tables.length} tables; ` +
        (r.cities.map((c) => `${c.city_id}: ${c.seq} change sets, head ${c.head?.slice(0, 16) ?? '-'}`).join('; ') || 'no change sets yet (尚无变更集)') +
        (expect ? `; change set ${expect.seq} has the expected head ${expect.head.slice(0, 16)} (与期望链头一致)` : '') +
        (r.cities.length === 1 && !expect ? `\nkeep the head elsewhere to find a cut chain later (记下链头以便日后核对): opencim archive verify --city ${r.cities[0].city_id} --expect ${headToKeep(r.cities[0].seq, r.cities[0].head ?? '')}` : ''));
    } else {
      const b = r.broken[0];
      process.stderr.write(`error: archive broken 档案被篡改: first broken record ${b.kind} ${b.id}${b.version !== null ? ` version ${b.version}` : ''}: ${b.problem}\n`);
      for (const x of r.broken.slice(1, 10)) process.stderr.write(`  also ${x.kind} ${x.id}${x.version !== null ? ` v${x.version}` : ''}: ${x.problem}\n`);
    }
    if (!r.ok) process.exitCode = 1;
  } finally {
    await store.close();
  }
}
