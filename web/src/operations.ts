/**
 * City operations in the viewer (城市运行 · 一网统管): the cases on the map coloured by stage with a
 * red ring while overdue, a filter by class, the hot-spot grids (open cases per unit grid) and a
 * heat map, all in the layer control; legends from the served style data
 * (src/domains/operations/maplibre.ts). Public APIs only: the `cases` and `case_hotspots` tiles
 * and collections, and Open311 `services.json` for the class names.
 */
import type * as maplibregl from 'maplibre-gl';
import { currentCity, get } from './api';
import { lang, t, tx } from './i18n';
import { esc } from './panel';
import { CASE_HOTSPOTS, CASES_LAYER, OPEN_STATUSES, OPS_STYLE } from '../../src/domains/operations/maplibre';

export type OpsGroup = 'cases' | 'case_hotspots' | 'case_heat';
export const OPS_GROUP_LAYERS: Record<OpsGroup, string[]> = {
  cases: ['cases-circle'],
  case_hotspots: ['case-hotspots-fill', 'case-hotspots-line'],
  case_heat: ['cases-heat'],
};

export interface CaseClassRef { code: string; zh: string; en: string }
export interface OpsState { classes: CaseClassRef[]; classOn: Set<string>; hotspots: boolean }

/**
 * null when the city has no cases (the layers are then left out of the control). `available` holds
 * the layers the city's /collections lists, and it lists `cases` and `case_hotspots` only when the
 * city has cases (with a unit grid for the hot spots): nothing is asked of a layer the city lacks.
 */
export async function loadOperations(available: Set<string>): Promise<OpsState | null> {
  if (!available.has(CASES_LAYER)) return null;
  // Open311 names the city by its jurisdiction_id (GeoReport v2), not ?city=
  const c = currentCity();
  const services = await get<{ service_code: string; service_name: string }[]>(`/open311/v2/services.json${c ? `?jurisdiction_id=${encodeURIComponent(c)}` : ''}`, { addCity: false }).catch(() => []);
  const classes = services.map((s) => {
    const [zh, en] = s.service_name.split(' / ');
    return { code: s.service_code, zh: zh ?? s.service_code, en: en ?? zh ?? s.service_code };
  });
  return { classes, classOn: new Set(classes.map((c) => c.code)), hotspots: available.has(CASE_HOTSPOTS) };
}

/** the groups of the layer control this city has, with their labels */
export function opsGroups(ops: OpsState | null): [OpsGroup, string][] {
  if (!ops) return [];
  return [['cases', t('cases')], ...(ops.hotspots ? [['case_hotspots', t('caseHotspots')] as [OpsGroup, string]] : []), ['case_heat', t('caseHeat')]];
}

const className = (ops: OpsState, code: string) => { const c = ops.classes.find((x) => x.code === code); return c ? (lang() === 'en' ? c.en : c.zh) : code; };

/** the side panel's section: stage legend, class filter, hot-spot legend */
export function opsSection(ops: OpsState | null): string {
  if (!ops) return '';
  const s = OPS_STYLE;
  return `<h3>${esc(t('cases'))}</h3>
    <ul class="legend" id="case-stages">${s.cases.stages.map((x) => `<li><i style="background:${x.color}"></i>${esc(tx(x.label))}</li>`).join('')}
      <li><i style="background:#fff;box-shadow:inset 0 0 0 2px ${s.cases.overdue.color}"></i>${esc(tx(s.cases.overdue.label))}</li></ul>
    <label class="sub">${esc(t('caseClass'))} <span class="links"><a href="#" data-case-class="all">${esc(t('all'))}</a> · <a href="#" data-case-class="none">${esc(t('none'))}</a></span></label>
    <ul class="facs" id="case-classes">${ops.classes.map((c) => `<li><label><input type="checkbox" data-case="${esc(c.code)}"${ops.classOn.has(c.code) ? ' checked' : ''}>${esc(lang() === 'en' ? c.en : c.zh)}</label></li>`).join('')}</ul>
    ${ops.hotspots ? `<label class="sub">${esc(t('caseHotspots'))}</label><ul class="legend" id="case-hotspot-legend">${s.hotspots.steps.map((x) => `<li><i style="background:${x.color}"></i>${esc(tx(x.label))}</li>`).join('')}</ul>` : ''}`;
}

/** the class filter on the case layers (the heat map keeps to open cases) */
export function applyCaseFilter(map: maplibregl.Map, ops: OpsState | null): void {
  if (!ops) return;
  const on = ['in', ['get', 'service_code'], ['literal', [...ops.classOn]]];
  if (map.getLayer('cases-circle')) map.setFilter('cases-circle', on as unknown as maplibregl.FilterSpecification);
  if (map.getLayer('cases-heat')) map.setFilter('cases-heat', ['all', ['in', ['get', 'status'], ['literal', [...OPEN_STATUSES]]], on] as unknown as maplibregl.FilterSpecification);
}

/** wire the section's inputs; `changed` re-renders the side panel */
export function bindOpsSection(root: HTMLElement, map: maplibregl.Map, ops: OpsState | null, changed: () => void): void {
  if (!ops) return;
  root.querySelectorAll<HTMLInputElement>('input[data-case]').forEach((el) => el.addEventListener('change', () => {
    if (el.checked) ops.classOn.add(el.dataset.case!); else ops.classOn.delete(el.dataset.case!);
    applyCaseFilter(map, ops);
  }));
  root.querySelectorAll<HTMLAnchorElement>('a[data-case-class]').forEach((a) => a.addEventListener('click', (e) => {
    e.preventDefault();
    ops.classOn = a.dataset.caseClass === 'all' ? new Set(ops.classes.map((c) => c.code)) : new Set();
    applyCaseFilter(map, ops);
    changed();
  }));
}

const STATUS_LABEL = (status: string) => OPS_STYLE.cases.stages.find((x) => x.values.includes(status))?.label;

/** popup HTML of a case point (public fields of the tile) */
export function casePopup(ops: OpsState | null, p: Record<string, unknown>): string {
  const st = STATUS_LABEL(String(p.status));
  return `<b>${esc(ops ? className(ops, String(p.service_code)) : p.service_code)}</b> · ${esc(t('case'))} ${esc(p.id)}<br>
    ${esc(t('caseStage'))}: ${esc(st ? tx(st) : p.status)}${p.overdue === true ? ` · <b style="color:${OPS_STYLE.cases.overdue.color}">${esc(t('overdue'))}</b>` : ''}<br>
    <span class="muted">${esc(t('department'))}: ${esc(p.department ?? '—')}</span>`;
}

/** popup HTML of a hot-spot grid */
export function hotspotPopup(p: Record<string, unknown>): string {
  return `<b>${esc(t('caseHotspots'))}</b> · ${esc(p.code)}<br>${esc(t('openCases'))}: ${esc(p.open_cases)} · ${esc(t('overdue'))}: ${esc(p.overdue_cases)} · ${esc(t('cases30d'))}: ${esc(p.cases_30d)}`;
}
