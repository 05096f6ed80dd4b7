/**
 * City operations commands: `opencim keys add|list|revoke` (Open311 API keys), `opencim cases
 * import|sla`, `opencim grids generate|import|assign`.
 */
import { Command, Option } from 'commander';
import type { Store } from '../store/driver.js';
import { cliActor } from './actor.js';
import { Progress, table } from './output.js';
import { UsageError } from '../model/errors.js';

const dbOption = () => new Option('--db <db>', 'store: a folder (embedded PGlite) or a postgres:// URL; default $DATABASE_URL or ./.opencim/db');
const common = (c: Command) => c.addOption(dbOption()).option('--json', 'print the result as JSON').option('-q, --quiet', 'no progress on stderr');
const withCity = (c: Command) => common(c).option('--city <name>', 'city id (default: the only city in the store, else "default")')
  .option('--actor <name>', 'who does it, recorded in the archive (default $OPENCIM_ACTOR or cli:<user>)');

async function cityOf(store: Store, city?: string): Promise<string> {
  if (city) return city;
  const rows = await store.query<{ city_id: string }>('SELECT city_id FROM cities ORDER BY city_id');
  if (rows.length === 1) return rows[0].city_id;
  if (rows.length > 1) throw new UsageError(`the store holds several cities (${rows.map((r) => r.city_id).join(', ')}): choose one with --city / 请用 --city 指定城市`);
  return 'default';
}

async function withStore<T>(db: string | undefined, f: (s: Store) => Promise<T>): Promise<T> {
  const s = await (await import('../store/driver.js')).openStore(db);
  try { return await f(s); } finally { await s.close(); }
}
const out = (o: { json?: boolean }, value: unknown, text: string) => process.stdout.write(o.json ? JSON.stringify(value, null, 2) + '\n' : text + '\n');

export function keysCommandSpec(): Command {
  const keys = new Command('keys').description('Open311 API keys (接口密钥): the key is shown once, only its SHA-256 is stored');
  common(keys.command('add').description('新建接口密钥 create a key for a client, e.g. a FixMyStreet install').argument('<name>', 'client name (letters, digits, _ . -)')
    .option('--actor <name>', 'who creates it (default $OPENCIM_ACTOR or cli:<user>)'))
    .action(async (name: string, o) => withStore(o.db, async (s) => {
      const key = await (await import('../domains/operations/keys.js')).addKey(s, name, cliActor(o.actor));
      out(o, { name, key }, o.quiet ? key : `key for ${name} (shown once, keep it safe / 仅显示一次):\n${key}`);
    }));
  common(keys.command('list').description('密钥列表 list the keys (names, not the keys)')).action(async (o) => withStore(o.db, async (s) => {
    const rows = await (await import('../domains/operations/keys.js')).listKeys(s);
    out(o, rows, rows.length ? table([['name', 'created by', 'created', 'revoked'], ...rows.map((r) => [r.name, r.created_by, new Date(r.created_at).toISOString(), r.revoked_at ? new Date(r.revoked_at).toISOString() : ''])]) : 'no keys yet: opencim keys add NAME');
  }));
  common(keys.command('revoke').description('撤销密钥 revoke a key').argument('<name>')).action(async (name: string, o) => withStore(o.db, async (s) => {
    if (!(await (await import('../domains/operations/keys.js')).revokeKey(s, name))) throw new UsageError(`no active key named "${name}"`);
    out(o, { name, revoked: true }, `revoked ${name}`);
  }));
  return keys;
}

export function casesCommandSpec(): Command {
  const cases = new Command('cases').description('city operations cases (案件): hotline intake, SLA');
  withCity(cases.command('import').description('导入 12345 热线工单 import 12345 hotline work orders (CSV: ticket_id/工单编号, service_code/类别, description, address, lon, lat, reported_at, phone, and attribute[code] / attr_code / the attribute\'s Chinese name, e.g. 破损面积) in one transaction')
    .argument('<file>', 'hotline CSV')
    .addOption(new Option('--encoding <enc>', 'text encoding of the CSV (文件编码)').choices(['utf8', 'gbk']).default('utf8')))
    .action(async (file: string, o) => withStore(o.db, async (s) => {
      const { importHotline } = await import('../domains/operations/hotline.js');
      const { opsConfig, OpsError } = await import('../domains/operations/store.js');
      const p = new Progress('cases import', o.quiet);
      p.update(file, true);
      try {
        const r = await importHotline(s, opsConfig(), await cityOf(s, o.city), file, { actor: cliActor(o.actor), encoding: o.encoding });
        p.done();
        const missing = new Set(r.warnings.filter((w) => w.attribute !== null).map((w) => w.line)).size;   // cases, not attributes
        out(o, r, `新增 ${r.added} 件（${r.duplicates} 件为重复、已关联），${r.skipped} 张工单此前已导入${missing ? `；${missing} 件缺少必填属性，记为未知` : ''} / ` +
          `${r.added} cases added (${r.duplicates} linked as duplicates), ${r.skipped} tickets already imported${missing ? `; ${missing} lack a required attribute, recorded as unknown` : ''}`);
        if (!o.json && r.warnings.length) {
          const shown = r.warnings.slice(0, 50);
          process.stderr.write(shown.map((w) => `warning: ${w.message}\n`).join('') +
            (r.warnings.length > shown.length ? `warning: 另有 ${r.warnings.length - shown.length} 条提示（--json 列出全部） / ${r.warnings.length - shown.length} more (--json lists all)\n` : ''));
        }
      } catch (e) {
        if (e instanceof OpsError) throw new Error(e.message);
        throw e;
      }
    }));
  withCity(cases.command('sla').description('时限检查与督办 recompute deadlines and overdue cases; escalate (what the scheduled job runs)')
    .option('--now <datetime>', 'as at this time (ISO 8601), default now'))
    .action(async (o) => withStore(o.db, async (s) => {
      const now = o.now ? Date.parse(o.now) : Date.now();
      if (Number.isNaN(now)) throw new UsageError(`--now "${o.now}" is not an ISO 8601 date-time`);
      const r = await (await import('../domains/operations/sla.js')).runSla(s, await cityOf(s, o.city), { now, actor: cliActor(o.actor) });
      out(o, r, `SLA run ${r.runId}: ${r.overdue} overdue (超时 ${r.by_level[0]}, 黄牌 ${r.by_level[1]}, 红牌 ${r.by_level[2]}), ${r.escalated} escalated${r.escalation_pending ? ` (${r.escalation_pending} next run)` : ''}; ${r.ms.read + r.ms.compute + r.ms.record + r.ms.escalate} ms`);
    }));
  return cases;
}

export function gridsCommandSpec(): Command {
  const grids = new Command('grids').description('management grids (网格): district → street → community → unit grid');
  const print = (o: { json?: boolean }, r: { added: number; changed: number; unchanged: number; removed: number }, sum: { level: string; n: number; mean_m2: number }[]) =>
    out(o, { ...r, levels: sum }, `${r.added} added, ${r.changed} changed, ${r.unchanged} unchanged, ${r.removed} closed\n` + table(sum.map((x) => [x.level, x.n, `${Math.round(x.mean_m2)} m²`])));
  withCity(grids.command('generate').description('划分单元网格 lay unit grids of CELL × CELL metres (default 100: 10,000 m²) clipped to the communities')
    .option('--cell <m>', 'cell size in metres', (v) => { const n = Number(v); if (!(n >= 10 && n <= 2000)) throw new UsageError(`--cell must be 10-2000 metres, got "${v}"`); return n; }, 100))
    .action(async (o) => withStore(o.db, async (s) => {
      const g = await import('../domains/operations/grids.js');
      const city = await cityOf(s, o.city);
      print(o, await g.generateGrids(s, city, { cell: o.cell, actor: cliActor(o.actor) }), await g.gridSummary(s, city));
    }));
  withCity(grids.command('import').description('导入单元网格 import coded unit grids from GeoJSON or a Shapefile').argument('<file>')
    .option('--code-field <f>', 'field with the grid code (default code/grid_code/网格编码 ...)')
    .option('--name-field <f>', 'field with the name').option('--parent-field <f>', 'field with the community code')
    .option('--workers-field <f>', 'field listing the grid workers (comma-separated)')
    .option('--crs <crs>', 'CRS of the coordinates, e.g. EPSG:4547').option('--encoding <enc>', 'text encoding of the .dbf'))
    .action(async (file: string, o) => withStore(o.db, async (s) => {
      const g = await import('../domains/operations/grids.js');
      const city = await cityOf(s, o.city);
      print(o, await g.importGrids(s, city, file, { actor: cliActor(o.actor), codeField: o.codeField, nameField: o.nameField, parentField: o.parentField, workersField: o.workersField, crs: o.crs, encoding: o.encoding }), await g.gridSummary(s, city));
    }));
  withCity(grids.command('assign').description('指派网格员与责任部门 assign grid workers and department units to a grid').argument('<code>', 'grid code')
    .option('--workers <names>', 'grid workers, comma-separated (the first verifies cases)')
    .option('--dept <from=to>', 'serve the catalogue department FROM with the unit TO in this grid (repeatable), e.g. street_office=so-haidian-01', (v: string, prev: string[] = []) => [...prev, v]))
    .action(async (code: string, o) => withStore(o.db, async (s) => {
      const assign: Record<string, string> = {};
      for (const d of o.dept ?? []) { const [a, b] = String(d).split('='); if (!a || !b) throw new UsageError(`--dept "${d}" must be FROM=TO`); assign[a] = b; }
      const r = await (await import('../domains/operations/grids.js')).assignGrid(s, await cityOf(s, o.city), code, {
        actor: cliActor(o.actor), workers: o.workers ? String(o.workers).split(',').map((x: string) => x.trim()).filter(Boolean) : undefined, assign });
      out(o, r, `grid ${r.code} version ${r.version}: workers ${r.workers.join(', ') || '-'}; ${Object.entries(r.assign).map(([a, b]) => `${a}→${b}`).join(', ') || 'departments from the catalogue'}`);
    }));
  return grids;
}
