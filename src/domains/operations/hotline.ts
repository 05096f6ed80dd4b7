/**
 * 12345 hotline intake: a CSV of work orders (工单) becomes cases, in one transaction. Columns
 * (English or Chinese header): ticket_id/工单编号, service_code/类别 (a service code or a class name),
 * description/诉求内容, address/地址, lon/经度, lat/纬度, reported_at/受理时间, phone/来电号码,
 * name/姓名. Re-importing the same file adds nothing: a ticket already imported is skipped.
 */
import { readFileSync } from 'node:fs';
import type { Store } from '../../store/driver.js';
import { CsvParser, guessDelimiter, type CsvRecord } from '../../ingest/csv.js';
import { type OpsConfig, OpsError, reportIn } from './store.js';

const COLUMNS: Record<string, string[]> = {
  ticket_id: ['ticket_id', 'ticket', 'id', '工单编号', '工单号'],
  service_code: ['service_code', 'class', 'category', '类别', '问题类别', '案件类别'],
  description: ['description', 'content', '诉求内容', '内容', '问题描述'],
  address: ['address', '地址', '事发地址'],
  lon: ['lon', 'lng', 'long', 'longitude', '经度'],
  lat: ['lat', 'latitude', '纬度'],
  reported_at: ['reported_at', 'time', 'datetime', '受理时间', '来电时间'],
  phone: ['phone', 'tel', '来电号码', '电话'],
  name: ['name', '姓名', '来电人'],
};

export async function importHotline(store: Store, cfg: OpsConfig, cityId: string, file: string, o: { actor: string }) {
  let text = readFileSync(file, 'utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const parser = new CsvParser(guessDelimiter(text.slice(0, text.indexOf('\n') >>> 0)), file);
  const recs: CsvRecord[] = [];
  parser.push(text, recs);
  parser.end(recs);
  if (!recs.length) throw new OpsError(400, `${file} is empty`);
  const header = recs[0].fields.map((h) => h.trim());
  const col = (k: string) => header.findIndex((h) => COLUMNS[k].includes(h) || COLUMNS[k].includes(h.toLowerCase()));
  const idx = Object.fromEntries(Object.keys(COLUMNS).map((k) => [k, col(k)]));
  for (const k of ['ticket_id', 'service_code']) if (idx[k] < 0) throw new OpsError(400, `${file}: no ${k} column (one of ${COLUMNS[k].join(', ')}) / 缺少列 ${k}`);
  const byName = new Map<string, string>();
  for (const k of cfg.catalogue.classes) { byName.set(k.service_code, k.service_code); byName.set(k.name_zh, k.service_code); byName.set(k.code, k.service_code); byName.set(k.name_en.toLowerCase(), k.service_code); }
  return store.transaction(async (tx) => {
    const done = new Set((await tx.query<{ e: string }>(`SELECT external_id AS e FROM cases_current WHERE city_id = $1 AND channel = 'hotline' AND external_id IS NOT NULL`, [cityId])).map((r) => r.e));
    let added = 0, skipped = 0, duplicates = 0;
    for (const rec of recs.slice(1)) {
      const f = (k: string) => (idx[k] >= 0 ? (rec.fields[idx[k]] ?? '').trim() : '');
      if (rec.fields.every((x) => x.trim() === '')) continue;
      const where = `${file}: line ${rec.line}`;
      const ticket = f('ticket_id');
      if (!ticket) throw new OpsError(400, `${where}: empty ticket_id / 工单编号为空`);
      if (done.has(ticket)) { skipped++; continue; }
      const code = byName.get(f('service_code')) ?? byName.get(f('service_code').toLowerCase());
      if (!code) throw new OpsError(400, `${where}: unknown class "${f('service_code').slice(0, 40)}" (service codes: ${cfg.catalogue.classes.map((k) => k.service_code).join(', ')}) / 未知类别`);
      const lonS = f('lon'), latS = f('lat');
      const lon = lonS ? Number(lonS) : undefined, lat = latS ? Number(latS) : undefined;
      if ((lon === undefined) !== (lat === undefined) || (lon !== undefined && (!Number.isFinite(lon) || !Number.isFinite(lat!) || Math.abs(lon) > 180 || Math.abs(lat!) > 90))) {
        throw new OpsError(400, `${where}: lon/lat "${lonS}", "${latS}" are not WGS84 degrees / 经纬度无效`);
      }
      if (lon === undefined && !f('address')) throw new OpsError(400, `${where}: no location (lon/lat or address) / 缺少位置`);
      let at: number | undefined;
      if (f('reported_at')) {
        const s = f('reported_at').replace(' ', 'T');
        at = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(s) ? s : `${s}${cfg.calendar.w3c(0).slice(19)}`);
        if (Number.isNaN(at)) throw new OpsError(400, `${where}: reported_at "${f('reported_at')}" is not a date-time (e.g. 2026-03-02 10:00) / 受理时间无效`);
      }
      try {
        const c = await reportIn(tx, cfg, {
          cityId, serviceCode: code, lon, lat: lat, address: f('address') || undefined, description: f('description') || undefined,
          reporter: { ...(f('phone') ? { phone: f('phone') } : {}), ...(f('name') ? { first_name: f('name') } : {}) },
          channel: 'hotline', actor: o.actor, externalId: ticket, at,
        });
        if (c.duplicate_of) duplicates++;
      } catch (e) {
        throw new OpsError(400, `${where}: ${(e as Error).message}`);
      }
      done.add(ticket);
      added++;
    }
    return { added, skipped, duplicates };
  });
}
