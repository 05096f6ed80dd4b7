/** The building panel: attributes, walking distance to every category (against its threshold), records. */
import { ApiError, get, getOptional, type BuildingAccess, type Feature } from './api';
import { lang, t } from './i18n';
import { STYLE } from '../../src/catalog/style';
import { buildingUse, fmtNumber } from './labels';

export const esc = (v: unknown): string => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function osmUrl(id: string): string | null {
  const m = /^([nwr])(\d+)$/.exec(id);
  if (!m) return null;
  return `https://www.openstreetmap.org/${({ n: 'node', w: 'way', r: 'relation' } as const)[m[1] as 'n' | 'w' | 'r']}/${m[2]}`;
}

function fmtM(m: number): string {
  return m >= 1000 ? `${(m / 1000).toFixed(m >= 10000 ? 0 : 1)} ${lang() === 'zh' ? '公里' : 'km'}` : `${Math.round(m)} ${lang() === 'zh' ? '米' : 'm'}`;
}

export interface PanelState { id: string; feature: Feature | null; access: BuildingAccess | null; accessError: string | null }

/**
 * The building's feature and, when the city has a walking access run and the building is
 * residential (from the clicked tile, else from its feature), its distances: a building without
 * results is not asked for them (no 404 in the console for what the viewer can know is absent).
 */
export async function loadBuilding(id: string, opts: { access: boolean; residential?: boolean } = { access: true }): Promise<PanelState> {
  const featureP = getOptional<Feature>(`/collections/buildings/items/${encodeURIComponent(id)}?f=json`);
  const accessP = (async () => {
    if (!opts.access) return { a: null, e: null };
    const residential = opts.residential ?? ((await featureP.catch(() => null))?.properties.residential === true);
    if (!residential) return { a: null, e: null };
    return get<BuildingAccess>(`/api/v1/buildings/${encodeURIComponent(id)}/access`).then((a) => ({ a, e: null }), (e: unknown) => ({ a: null, e: e instanceof ApiError ? e.message : String(e) }));
  })();
  const [feature, access] = await Promise.all([featureP, accessP]);
  return { id, feature, access: access.a, accessError: access.e };
}

export function renderBuilding(s: PanelState): string {
  const p = s.feature?.properties ?? {};
  const name = (p.name as string | null) || `${t('building')} ${s.id}`;
  const h = p.height as number | null, lv = p.levels as number | null;
  const height = h != null ? `${h} ${lang() === 'zh' ? '米' : 'm'}` : lv != null ? t('heightEstimated', { h: lv * STYLE.storeyM }) : t('heightDefault', { h: STYLE.defaultHeightM });
  const row = (k: string, v: string) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`;
  const attrs = [
    row(t('use'), p.use ? `<span title="building=${esc(p.use)}">${esc(buildingUse(p.use))}</span>` : esc(t('unknown'))),
    row(t('height'), esc(height)),
    row(t('levels'), esc(lv ?? t('unknown'))),
    row(t('year'), esc(p.year ?? t('unknown'))),
    row(t('residential'), p.residential ? t('yes') : t('no')),
    row(t('area'), p.area_m2 != null ? `${fmtNumber(Math.round(Number(p.area_m2)))} m²` : '–'),
  ].join('');
  let dist: string;
  if (s.access) {
    const rows = s.access.distances.map((d) => {
      const cls = d.data_gap || d.within === null ? 'na' : d.within ? 'ok' : 'bad';
      const label = lang() === 'zh' ? d.name_zh : d.name_en;
      const value = d.data_gap ? t('dataGap') : d.distance_m === null ? t('unreachable', { km: (s.access!.cutoff_m / 1000).toLocaleString() }) : fmtM(d.distance_m);
      const pct = d.threshold_m && d.distance_m !== null ? Math.min(100, (100 * d.distance_m) / (2 * d.threshold_m)) : 100;
      return `<li class="dist ${cls}" data-category="${esc(d.category)}"><span class="cat">${esc(label)}</span>
        <span class="bar"><i style="width:${pct}%"></i>${d.threshold_m ? `<b style="left:50%"></b>` : ''}</span>
        <span class="val">${esc(value)}</span><span class="thr">${d.threshold_m ? `${esc(t('threshold'))} ${d.threshold_m}` : ''}</span></li>`;
    }).join('');
    const ok = s.access.distances.filter((d) => d.within === true).length, graded = s.access.distances.filter((d) => d.within !== null).length;
    dist = `<p class="muted">${esc(t('residents'))}: ${fmtNumber(Math.round(s.access.residents))} · <b class="okc">${ok}</b> / ${graded} ${esc(t('withinThreshold'))}</p><ul class="dists">${rows}</ul>`;
  } else {
    dist = `<p class="muted">${esc(p.residential === false ? t('notResidential') : s.accessError ?? t('noAccess'))}</p>`;
  }
  const tags = p.tags && typeof p.tags === 'object' ? Object.entries(p.tags as Record<string, string>) : [];
  const osm = osmUrl(s.id);
  return `<header class="ph"><h2>${esc(name)}</h2><button class="x" data-close aria-label="${esc(t('close'))}">×</button></header>
  <section><h3>${esc(t('attributes'))}</h3><table class="kv">${attrs}</table></section>
  <section class="distances"><h3>${esc(t('distances'))}</h3>${dist}</section>
  <section><h3>${esc(t('records'))}</h3><table class="kv">${row('id', `<code>${esc(s.id)}</code>`)}${row(t('source'), esc(p.source_id ?? '–'))}</table>
  ${osm ? `<p><a href="${esc(osm)}" target="_blank" rel="noopener">${esc(t('openOsm'))}</a></p>` : ''}
  ${tags.length ? `<details><summary>${esc(t('tags'))} (${tags.length})</summary><table class="kv small">${tags.map(([k, v]) => row(k, esc(v))).join('')}</table></details>` : ''}
  <p><button class="btn" data-walk>${esc(t('walkFromHere'))}</button></p></section>`;
}
