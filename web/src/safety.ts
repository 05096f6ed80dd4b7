/**
 * House safety in the viewer (房屋安全): the "safety risk" colour mode draws the register's
 * buildings (`building_safety` tiles) by the grade of their latest inspection, and the building
 * panel gains a section with the safety profile, the next checkup, the risk factors and the
 * inspection history. Everything comes from the public API (/tiles, /api/v1/safety/).
 */
import { get, getOptional } from './api';
import { lang } from './i18n';
import { STYLE } from '../../src/catalog/style';

export { SAFETY_LAYER, SAFETY_MODE } from '../../src/domains/safety/maplibre';
import { SAFETY_LAYER, SAFETY_MODE } from '../../src/domains/safety/maplibre';

interface SafetyBuilding {
  building_id: string;
  profile: Record<string, unknown> | null;
  inspections: { id: string; date: string; grade: string | null; hazards: string[] | string; measure: string | null; deadline: string | null; remediated_on: string | null; organisation: string | null; inspector: string | null; version: number; photos?: string[] | string }[];
  due: { rule: string | null; last_inspection: string | null; next_due: string | null; overdue_days: number } | null;
  risk: { score: number; factors: { factor: string; value: unknown; weight: number; points: number; basis?: string }[] } | null;
  /** what the public view leaves out (the inspectors' names, the photos): staff see them with a token */
  withheld_fields?: string[];
}

/**
 * The building's safety record, or null when it is not in the register. The register's buildings
 * are found first among the `building_safety` features at the footprint's extent (an empty answer,
 * not the profile's 404 for every building outside the register).
 */
export async function loadSafety(id: string, geometry: unknown): Promise<SafetyBuilding | null> {
  const bb = bboxOf(geometry);
  if (!bb) return null;
  const near = await get<{ features: { id: string | number }[] }>(`/collections/${SAFETY_LAYER}/items?bbox=${bb.map((v) => v.toFixed(7)).join(',')}&limit=100&f=json`);
  if (!near.features.some((f) => String(f.id) === id)) return null;
  return getOptional<SafetyBuilding>(`/api/v1/safety/profiles/${encodeURIComponent(id)}`);
}

/** [w, s, e, n] of a GeoJSON geometry's coordinates */
function bboxOf(g: unknown): number[] | null {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c: unknown): void => {
    if (!Array.isArray(c)) return;
    if (typeof c[0] === 'number') { b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1] as number); b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1] as number); return; }
    for (const x of c) walk(x);
  };
  walk((g as { coordinates?: unknown } | null)?.coordinates);
  return Number.isFinite(b[0]) ? b : null;
}

const T = {
  zh: { title: '房屋安全', grade: '鉴定等级', due: '下次体检', overdue: '逾期 {n} 天', rule: '规则', risk: '风险分', history: '体检记录', none: '尚无体检记录', structure: '结构', year: '建成年份', life: '设计使用年限', measure: '处理措施', deadline: '整改期限', remediated: '已整改', versions: '版本', seismic: '抗震设防烈度', photos: '照片', withheld: '鉴定人、验收人与照片仅限授权工作人员查看' },
  en: { title: 'House safety', grade: 'Grade', due: 'Next checkup', overdue: 'overdue {n} days', rule: 'Rule', risk: 'Risk score', history: 'Inspections', none: 'no inspection yet', structure: 'Structure', year: 'Year built', life: 'Design life', measure: 'Measure', deadline: 'Deadline', remediated: 'remediated', versions: 'version', seismic: 'Seismic intensity', photos: 'photos', withheld: "inspectors' and verifiers' names and photos: city staff only" },
};
/** the basis of the seismic intensity (the risk factor's `basis`), in Chinese */
const basisZh = (b: string) => b === 'from the profile' ? '依据：房屋档案' : b === 'city-wide value' ? '依据：全市统一烈度' : b.startsWith('from GB 18306 zone ') ? `依据：地震区划 ${b.slice(19)}` : b;
/** an inspection's photos: stored ones by their sha256 (served by the API), others by URL */
const photoLinks = (ph: string[] | string | undefined, label: string): string => {
  const list = (Array.isArray(ph) ? ph : String(ph ?? '').replace(/^\{|\}$/g, '').split(',')).map((x) => x.replace(/^"|"$/g, '')).filter(Boolean);
  const links = list.map((x, k) => {
    const href = /^[0-9a-f]{64}$/.test(x) ? `/api/v1/safety/photos/${x}` : /^https?:\/\//i.test(x) ? x : null;
    return href ? `<a class="photo" href="${esc(href)}" target="_blank" rel="noopener">${k + 1}</a>` : '';
  }).join(' ');
  return links ? ` · ${esc(label)} ${links}` : '';
};
const MEASURE_ZH: Record<string, string> = { use: '处理使用', observe: '观察使用', stop: '停止使用', demolish: '整体拆除' };

const esc = (v: unknown): string => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderSafety(s: SafetyBuilding): string {
  const L = T[lang() === 'zh' ? 'zh' : 'en'];
  const row = (k: string, v: string) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`;
  const p = s.profile ?? {};
  const last = s.inspections[0];
  const color = (g: string | null | undefined) => STYLE.buildings.modes.find((m) => m.id === SAFETY_MODE)?.match?.find((x) => x.values.includes(String(g)))?.color ?? '#cfc8bd';
  const due = s.due?.next_due ? `${esc(s.due.next_due)}${s.due.overdue_days > 0 ? ` <b class="badc">${esc(L.overdue.replace('{n}', String(s.due.overdue_days)))}</b>` : ''}` : '–';
  const top = s.risk ? [...s.risk.factors].sort((a, b) => b.points - a.points).slice(0, 3).map((f) => `${esc(f.factor)} ${f.points}`).join(', ') : '';
  const hz = (h: string[] | string) => (Array.isArray(h) ? h : String(h).replace(/[{}]/g, '').split(',').filter(Boolean)).join(', ');
  const items = s.inspections.map((i) => `<li class="insp" data-inspection="${esc(i.id)}"><span class="grade" style="background:${color(i.grade)}">${esc(i.grade ?? '–')}</span>
      <b>${esc(i.date)}</b> ${esc(i.organisation ?? '')} ${esc(i.inspector ?? '')}${i.measure ? ` · ${esc(lang() === 'zh' ? MEASURE_ZH[i.measure] ?? i.measure : i.measure)}` : ''}
      ${hz(i.hazards) ? ` · ${esc(hz(i.hazards))}` : ''}${i.deadline ? ` · ${esc(L.deadline)} ${esc(i.deadline)}` : ''}${i.remediated_on ? ` · ${esc(L.remediated)} ${esc(i.remediated_on)}` : ''}
      ${photoLinks(i.photos, L.photos)}<span class="muted">(${esc(L.versions)} ${i.version})</span></li>`).join('');
  const seismic = s.risk?.factors.find((f) => f.factor === 'seismic_intensity');
  return `<section class="safety"><h3>${esc(L.title)}</h3><table class="kv">
    ${row(L.grade, last?.grade ? `<span class="grade" style="background:${color(last.grade)}">${esc(last.grade)}</span>` : '–')}
    ${row(L.due, due)}${s.due?.rule ? row(L.rule, `<code>${esc(s.due.rule)}</code>`) : ''}
    ${s.risk ? row(L.risk, `${s.risk.score} <span class="muted">${top}</span>`) : ''}
    ${seismic && seismic.value !== null ? row(L.seismic, `${esc(seismic.value)}${seismic.basis ? ` <span class="muted">${esc(lang() === 'zh' ? basisZh(seismic.basis) : seismic.basis)}</span>` : ''}`) : ''}
    ${row(L.structure, esc(p.structure ?? '–'))}${row(L.year, esc(p.year_built ?? '–'))}${row(L.life, esc(p.design_life_years ?? 50))}
  </table><h4>${esc(L.history)}</h4>${items ? `<ul class="inspections">${items}</ul>` : `<p class="muted">${esc(L.none)}</p>`}${items && s.withheld_fields?.length ? `<p class="muted withheld">${esc(L.withheld)}</p>` : ''}</section>`;
}
