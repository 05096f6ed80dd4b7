/**
 * The OpenCIM viewer: a 3D city map (MapLibre GL) over the server's vector tiles, a building panel
 * with walking distances, a dashboard (ECharts), Chinese by default with an English switch.
 */
import * as maplibregl from 'maplibre-gl';
import type { MapGeoJSONFeature, MapMouseEvent } from 'maplibre-gl';
import { ApiError, get, getOptional, cityCollections, cityParam, setCity, type Category, type Config, type Summary, type TileJson } from './api';
import { loadDashboard, renderDashboard, resizeCharts, type DashboardData } from './dashboard';
import { initI18n, lang, setLang, t, tx } from './i18n';
import type { StyleSpecification } from 'maplibre-gl';
import { colorExpr, facilityColor, gapColorExpr, GROUP_LAYERS, legendOf, type LayerGroup } from './map';
import { esc, loadBuilding, renderBuilding, type PanelState } from './panel';
import { STYLE, type ColorMode } from '../../src/catalog/style';
import { applyAsOf, applyChanges, archiveSection, type ArchiveState } from './archive';
import { loadSafety, renderSafety, SAFETY_LAYER, SAFETY_MODE } from './safety';
import { cityUrl, listedMode, modeUnavailable, pruneStyle, viewInCity, type Bilingual } from './view';
import { withPmtiles } from './pmtiles';
import { applyCaseFilter, bindOpsSection, casePopup, hotspotPopup, loadOperations, opsGroups, opsSection, type OpsState } from './operations';
import './app.css';

interface AppState {
  config: Config;
  categories: Category[];
  summary: Summary | null;
  modes: ColorMode[];
  /** the modes offered but without data for the city, with the reason (shown disabled) */
  unavailable: Map<string, Bilingual>;
  mode: ColorMode;
  accessCategory: Category | undefined;
  facilityOn: Set<string>;
  groupsOn: Set<LayerGroup>;
  panel: PanelState | null;
  dashboard: DashboardData | null;
  isochrone: { lon: number; lat: number; minutes: number[] } | null;
  selected: string | null;
  archive: ArchiveState;
  safety: Awaited<ReturnType<typeof loadSafety>>;
  ops: OpsState | null;
}

declare global {
  interface Window { __opencim?: { map: maplibregl.Map; state: AppState; ready: boolean; firstBuildingsMs?: number; openBuilding: (id: string) => Promise<void> } }
}

const $ = <T extends HTMLElement = HTMLElement>(sel: string) => document.querySelector(sel) as T;
const catName = (c: Category) => (lang() === 'zh' ? c.name_zh : c.name_en);
const t0 = performance.now();

async function main() {
  await initI18n();
  document.documentElement.lang = lang() === 'zh' ? 'zh-CN' : 'en';
  // the config of the city asked for (its layers); a city the store does not hold: the config of the default one
  const configOf = () => get<Config>('/api/v1/config').catch((e: unknown) => {
    if (e instanceof ApiError && e.status === 404 && cityParam()) { setCity(null); return get<Config>('/api/v1/config'); }
    throw e;
  });
  const [config, cats] = await Promise.all([configOf(), get<{ categories: Category[] }>('/api/v1/categories')]);
  const asked = new URLSearchParams(location.search).get('city');
  if (config.cities.length > 1 && (!asked || !config.cities.includes(asked))) {
    // no city, or one the store does not hold: the default city, and no view of elsewhere
    setCity(config.cities.includes('default') ? 'default' : config.cities[0]);
    if (asked) history.replaceState(null, '', cityUrl(location.href, new URLSearchParams(cityParam()).get('city')!));
  }
  let summary: Summary | null = null;
  const [sum, collections] = await Promise.all([get<Summary>('/api/v1/summary').catch((e: unknown) => { if (e instanceof ApiError) return null; throw e; }), cityCollections()]);
  summary = sum;
  // the layers of the config that the city holds: a config may list a layer whose collection the
  // city lacks (no cases, no register, no run yet); the city's /collections lists only what it has
  const tiled = new Set(config.layers.map((l) => l.id));
  const available = new Set([...tiled].filter((id) => !collections || collections.ids.has(id)));
  const bt = available.has('buildings') ? await getOptional<TileJson>(`/tiles/buildings.json${cityParam() ? `?${cityParam()}` : ''}`) : null;
  const fields = bt?.vector_layers[0]?.fields ?? {};
  const hasAccess = Object.keys(fields).some((f) => f.startsWith('d_')) && (!summary || summary.access !== null);
  const has = { access: hasAccess, carbon: available.has('building_carbon'), safety: available.has(SAFETY_LAYER), fields };
  const unavailable = new Map<string, Bilingual>();
  for (const m of STYLE.buildings.modes) { const why = modeUnavailable(m, has); if (why) unavailable.set(m.id, why); }
  // a mode without data is listed disabled (with why) when it is one of the platform's analyses, left out otherwise
  const modes = STYLE.buildings.modes.filter((m) => listedMode(m, fields));
  const categories = cats.categories;
  // categories with no facility in the data: data gaps (grey 无数据), not shortfalls
  const gapIds = new Set((summary?.access?.summary.categories ?? []).filter((c) => c.facilities === 0).map((c) => c.id));
  const isGap = (c: Category | undefined) => c !== undefined && gapIds.has(c.id);
  const withFacilities = categories.filter((c) => (summary ? c.id in (summary as unknown as { categories: Record<string, number> }).categories : true));
  const state: AppState = {
    config, categories, summary, modes, unavailable, mode: modes.find((m) => !unavailable.has(m.id)) ?? STYLE.buildings.modes[0],
    accessCategory: categories.find((c) => c.id === 'kindergarten' && fields[`d_${c.id}`]) ?? categories.find((c) => fields[`d_${c.id}`] && c.threshold_m > 0),
    facilityOn: new Set(categories.map((c) => c.id)),
    groupsOn: new Set<LayerGroup>(['land_use', 'green_spaces', 'walk_network', 'admin_areas', 'facilities', 'buildings', 'renewal_candidates', 'cases', 'case_hotspots']),
    panel: null, dashboard: null, isochrone: null, selected: null, safety: null, ops: await loadOperations(available),
    archive: { asOf: '', since: '', changes: null },
  };

  // frame the buildings (walkable ways of an extract often reach far beyond it)
  const b = (bt?.bounds?.length === 4 ? bt.bounds : null) ?? collections?.bbox.get('buildings') ?? summary?.bbox ?? [73, 18, 135, 54];
  // the view in the URL wins over the city's bounds only when it is a view of this city (not one kept from another)
  if (location.hash && !viewInCity(location.hash, bt?.bounds?.length === 4 || collections?.bbox.has('buildings') || summary?.bbox ? b : null)) {
    history.replaceState(null, '', location.href.replace(/#.*$/, ''));
  }
  const map = new maplibregl.Map({
    container: 'map',
    // the served style document (the same one other clients load), without the layers the city lacks; the chosen colour mode is applied once it has loaded
    style: await withPmtiles(pruneStyle(await get<StyleSpecification>(`/styles/city.json${cityParam() ? `?${cityParam()}` : ''}`), available)),
    bounds: [[b[0], b[1]], [b[2], b[3]]],
    fitBoundsOptions: { padding: { top: 60, bottom: 40, left: 320, right: 40 } },
    pitch: 55, bearing: -17, maxPitch: 75,
    hash: true, // the view is in the URL (#zoom/lat/lon/bearing/pitch): shareable, and it wins over the city's bounds
    attributionControl: { compact: false, customAttribution: config.attribution },
    canvasContextAttributes: { preserveDrawingBuffer: true, antialias: true },
  });
  map.addControl(new maplibregl.NavigationControl({ visualizePitch: true }), 'bottom-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  const app = { map, state, ready: false, firstBuildingsMs: undefined as number | undefined, openBuilding: (id: string) => openBuilding(id) };
  window.__opencim = app;

  // ---- chrome ----
  // a store with several cities: a switcher in the header (each city is its own OGC API and map)
  if (config.cities.length > 1) {
    const current = new URLSearchParams(cityParam()).get('city');
    const sel = document.createElement('select');
    sel.id = 'city';
    sel.className = 'btn ghost';
    sel.innerHTML = config.cities.map((c) => `<option value="${esc(c)}"${c === current ? ' selected' : ''}>${esc(c)}</option>`).join('');
    // another city: its own page, framed on its bounds (the view of the city left is dropped from the URL)
    sel.addEventListener('change', () => { location.assign(cityUrl(location.href, sel.value)); });
    document.querySelector('header nav')?.prepend(sel);
  }
  const renderChrome = () => {
    $('#title').textContent = t('title');
    document.querySelector('#city')?.setAttribute('title', t('city'));
    $('#subtitle').textContent = summary ? `${summary.city_id} · ${t('subtitle')}` : t('subtitle');
    $('#btn-lang').textContent = t('language');
    $('#btn-dash').textContent = t('dashboard');
    $('#hint').textContent = t('isochroneHint');
    renderSide();
    if (state.panel) $('#panel').innerHTML = renderBuilding(state.panel) + (state.safety ? renderSafety(state.safety) : '');
    if (state.dashboard && $('#panel').dataset.kind === 'dashboard') renderDashboard($('#panel'), state.dashboard, categories, config.legends);
    updateZoomHint();
  };

  const renderSide = () => {
    const modeOpts = state.modes.map((m) => {
      const why = state.unavailable.get(m.id);
      // no data: listed, disabled, with why and how to compute it (Chinese first, English beside)
      return why ? `<option value="${m.id}" disabled title="${esc(`${why.zh}\n${why.en}`)}">${esc(tx(m.label))} ${esc(tx({ zh: '（无数据）', en: '(no data)' }))}</option>`
        : `<option value="${m.id}"${m.id === state.mode.id ? ' selected' : ''}>${esc(tx(m.label))}</option>`;
    }).join('');
    const accessCats = categories.filter((c) => fields[`d_${c.id}`] && c.threshold_m > 0);
    const catOpts = accessCats.map((c) => `<option value="${c.id}"${c.id === state.accessCategory?.id ? ' selected' : ''}>${esc(catName(c))} · ${c.threshold_m}${lang() === 'zh' ? '米' : ' m'}</option>`).join('');
    const legend = legendOf(state.mode, state.accessCategory, catName, (state.summary?.access as { params?: { cutoff_m?: number } } | null)?.params?.cutoff_m ?? config.access_cutoff_m, isGap(state.accessCategory));
    const groups: [LayerGroup, string][] = [['buildings', t('buildings')], ['facilities', t('facilities')], ['green_spaces', t('parks')], ['land_use', t('landUse')], ['walk_network', t('walkNetwork')], ['admin_areas', t('adminAreas')], ['renewal_candidates', t('renewal')]];
    const caseGroups = opsGroups(state.ops);
    const facs = (withFacilities.length ? withFacilities : categories);
    $('#side').innerHTML = `
      <h3>${esc(t('colorBy'))}</h3>
      <select id="mode">${modeOpts}</select>
      ${state.mode.kind === 'access' ? `<label class="sub">${esc(t('accessCategory'))}</label><select id="access-cat">${catOpts}</select>` : ''}
      <ul class="legend">${legend.items.map((i) => `<li><i style="background:${i.color}"></i>${esc(tx(i.label))}</li>`).join('')}</ul>
      <h3>${esc(t('layers'))}</h3>
      <div class="groups">${[...groups.filter(([g]) => available.has(g)), ...caseGroups].map(([g, label]) => `<label><input type="checkbox" data-group="${g}"${state.groupsOn.has(g) ? ' checked' : ''}> ${esc(label)}</label>`).join('')}</div>
      <h3>${esc(t('facilities'))} <span class="links"><a href="#" data-fac="all">${esc(t('all'))}</a> · <a href="#" data-fac="none">${esc(t('none'))}</a></span></h3>
      <ul class="facs">${facs.map((c) => `<li><label><input type="checkbox" data-cat="${c.id}"${state.facilityOn.has(c.id) ? ' checked' : ''}><i style="background:${facilityColor(c.id)}"></i>${esc(catName(c))}</label></li>`).join('')}</ul>
      ${opsSection(state.ops)}
      ${archiveSection(state.archive)}`;
    bindOpsSection($('#side'), map, state.ops, () => renderSide());
    $('#as-of').addEventListener('change', async (e) => { state.archive.asOf = (e.target as HTMLInputElement).value; await applyAsOf(map, state.archive, restyle, (st) => pruneStyle(st, available)); renderSide(); });
    $('#since').addEventListener('change', async (e) => { state.archive.since = (e.target as HTMLInputElement).value; await applyChanges(map, state.archive); renderSide(); });
    $('#mode').addEventListener('change', (e) => { state.mode = state.modes.find((m) => m.id === (e.target as HTMLSelectElement).value)!; applyColors(); renderSide(); });
    document.querySelector('#access-cat')?.addEventListener('change', (e) => { state.accessCategory = categories.find((c) => c.id === (e.target as HTMLSelectElement).value); applyColors(); renderSide(); });
    $('#side').querySelectorAll<HTMLInputElement>('input[data-group]').forEach((el) => el.addEventListener('change', () => {
      const g = el.dataset.group as LayerGroup;
      if (el.checked) state.groupsOn.add(g); else state.groupsOn.delete(g);
      for (const id of GROUP_LAYERS[g]) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', el.checked ? 'visible' : 'none');
    }));
    $('#side').querySelectorAll<HTMLInputElement>('input[data-cat]').forEach((el) => el.addEventListener('change', () => {
      if (el.checked) state.facilityOn.add(el.dataset.cat!); else state.facilityOn.delete(el.dataset.cat!);
      applyFacilityFilter();
    }));
    $('#side').querySelectorAll<HTMLAnchorElement>('a[data-fac]').forEach((a) => a.addEventListener('click', (e) => {
      e.preventDefault();
      state.facilityOn = a.dataset.fac === 'all' ? new Set(categories.map((c) => c.id)) : new Set();
      applyFacilityFilter();
      renderSide();
    }));
  };

  const applyColors = () => {
    if (map.getLayer('buildings-3d')) map.setPaintProperty('buildings-3d', 'fill-extrusion-color', (state.mode.kind === 'access' && isGap(state.accessCategory) ? gapColorExpr() : colorExpr(state.mode, state.accessCategory)));
    if (map.getLayer('safety-3d')) map.setLayoutProperty('safety-3d', 'visibility', state.mode.id === SAFETY_MODE ? 'visible' : 'none');
  };
  /** what the user chose, again on a new style document (the archive's as-of) */
  const restyle = () => {
    applyColors();
    applyFacilityFilter();
    for (const [g, ids] of Object.entries(GROUP_LAYERS)) for (const id of ids) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', state.groupsOn.has(g as LayerGroup) ? 'visible' : 'none');
  };
  const applyFacilityFilter = () => {
    if (map.getLayer('facilities-circle')) map.setFilter('facilities-circle', ['in', ['get', 'category'], ['literal', [...state.facilityOn]]]);
    applyCaseFilter(map, state.ops);
  };
  const updateZoomHint = () => {
    const z = map.getZoom();
    const el = $('#zoomhint');
    el.textContent = t('zoomIn', { z: STYLE.buildings.minzoom });
    el.hidden = z >= STYLE.buildings.minzoom || !available.has('buildings');
  };
  map.on('zoomend', updateZoomHint);

  // ---- panel ----
  const panel = $('#panel');
  const closePanel = () => { panel.hidden = true; panel.dataset.kind = ''; state.panel = null; select(null); };
  const select = (id: string | null) => {
    if (state.selected) map.setFeatureState({ source: 'buildings', sourceLayer: 'buildings', id: state.selected }, { selected: false });
    state.selected = id;
    if (id) map.setFeatureState({ source: 'buildings', sourceLayer: 'buildings', id }, { selected: true });
  };
  /** the building panel; `residential` from the clicked tile spares the wait for the feature before asking for the distances */
  async function openBuilding(id: string, residential?: boolean) {
    select(id);
    panel.hidden = false;
    panel.dataset.kind = 'building';
    panel.innerHTML = `<p class="muted">${esc(t('loading'))}</p>`;
    const s = await loadBuilding(id, { access: hasAccess, residential });
    // the safety section only for a building of the register (a city without one is never asked)
    const safety = available.has(SAFETY_LAYER) && s.feature ? await loadSafety(id, s.feature.geometry).catch(() => null) : null;
    if (state.selected !== id) return;
    state.panel = s;
    state.safety = safety;
    panel.innerHTML = renderBuilding(s) + (safety ? renderSafety(safety) : '');
  }
  panel.addEventListener('click', (e) => {
    const target = e.target as HTMLElement;
    if (target.closest('[data-close]')) closePanel();
    if (target.closest('[data-walk]') && state.panel?.feature) {
      const g = state.panel.feature.geometry as { coordinates: number[][][][] };
      const ring = g.coordinates[0][0];
      const lon = ring.reduce((s, p) => s + p[0], 0) / ring.length, lat = ring.reduce((s, p) => s + p[1], 0) / ring.length;
      void showIsochrone(lon, lat);
    }
  });
  $('#btn-dash').addEventListener('click', async () => {
    if (panel.dataset.kind === 'dashboard' && !panel.hidden) { closePanel(); return; }
    select(null); state.panel = null;
    panel.hidden = false;
    panel.dataset.kind = 'dashboard';
    panel.innerHTML = `<p class="muted">${esc(t('loading'))}</p>`;
    if (!summary) { panel.innerHTML = `<p class="muted">${esc(t('noData'))}</p>`; return; }
    state.dashboard ??= await loadDashboard(summary, config.reports[new URLSearchParams(cityParam()).get('city') ?? ''] ?? config.report);
    renderDashboard(panel, state.dashboard, categories, config.legends);
  });
  $('#btn-lang').addEventListener('click', async () => {
    await setLang(lang() === 'zh' ? 'en' : 'zh');
    renderChrome();
    renderIsoLegend();
    resizeCharts();
  });

  // ---- isochrone ----
  const isoSource = () => map.getSource('isochrone') as maplibregl.GeoJSONSource;
  async function showIsochrone(lon: number, lat: number) {
    const minutes = [5, 10, 15];
    state.isochrone = { lon, lat, minutes };
    (map.getSource('isochrone-origin') as maplibregl.GeoJSONSource).setData({ type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] }, properties: {} });
    try {
      const fc = await get<{ features: { properties: { minutes: number }; geometry: unknown }[] }>(`/api/v1/isochrone?lon=${lon.toFixed(6)}&lat=${lat.toFixed(6)}&minutes=${minutes.join(',')}`);
      const colors = STYLE.isochrone.colors;
      const feats = [...fc.features].sort((a, b) => b.properties.minutes - a.properties.minutes)
        .map((f, i) => ({ type: 'Feature' as const, geometry: f.geometry as maplibregl.GeoJSONSourceSpecification['data'] as never, properties: { minutes: f.properties.minutes, color: colors[Math.min(i, colors.length - 1)] } }));
      isoSource().setData({ type: 'FeatureCollection', features: feats });
      isoLegend = feats.map((f) => ({ color: f.properties.color, minutes: f.properties.minutes }));
      renderIsoLegend();
    } catch (e) {
      $('#iso').hidden = false;
      $('#iso').textContent = e instanceof Error ? e.message : String(e);
    }
  }
  // the isochrone legend, drawn again when the language switches
  let isoLegend: { color: string; minutes: number }[] | null = null;
  function renderIsoLegend() {
    if (!isoLegend) return;
    $('#iso').hidden = false;
    $('#iso').innerHTML = `<b>${esc(t('isochrone'))}</b> ${isoLegend.slice().reverse().map((f) => `<span><i style="background:${f.color}"></i>${esc(t('minutes', { n: f.minutes }))}</span>`).join('')} <a href="#" id="iso-clear">${esc(t('clearIsochrone'))}</a>`;
    $('#iso-clear').addEventListener('click', (e) => { e.preventDefault(); clearIsochrone(); });
  }
  function clearIsochrone() {
    isoLegend = null;
    state.isochrone = null;
    isoSource().setData({ type: 'FeatureCollection', features: [] });
    (map.getSource('isochrone-origin') as maplibregl.GeoJSONSource).setData({ type: 'FeatureCollection', features: [] });
    $('#iso').hidden = true;
  }

  // ---- map interaction ----
  const interactive = ['cases-circle', 'safety-3d', 'buildings-3d', 'facilities-circle', 'renewal-fill', 'case-hotspots-fill'];
  map.on('click', (e: MapMouseEvent) => {
    const layers = interactive.filter((l) => map.getLayer(l));
    const hits: MapGeoJSONFeature[] = layers.length ? map.queryRenderedFeatures(e.point, { layers }) : [];
    const cs = hits.find((f) => f.layer.id === 'cases-circle');
    if (cs) { new maplibregl.Popup({ maxWidth: '280px' }).setLngLat(e.lngLat).setHTML(casePopup(state.ops, cs.properties)).addTo(map); return; }
    const fac = hits.find((f) => f.layer.id === 'facilities-circle');
    if (fac) {
      const c = categories.find((x) => x.id === fac.properties.category);
      new maplibregl.Popup({ closeButton: true, maxWidth: '260px' }).setLngLat(e.lngLat)
        .setHTML(`<b>${esc(fac.properties.name ?? (c ? catName(c) : fac.properties.category))}</b><br><span class="muted">${esc(c ? catName(c) : fac.properties.category)}</span>`).addTo(map);
      return;
    }
    const reg = hits.find((f) => f.layer.id === 'safety-3d');
    if (reg) { void openBuilding(String(reg.properties.building_id ?? reg.properties.id)); return; }
    const bld = hits.find((f) => f.layer.id === 'buildings-3d');
    if (bld) { void openBuilding(String(bld.properties.id), bld.properties.residential === true); return; }
    const ren = hits.find((f) => f.layer.id === 'renewal-fill');
    if (ren) {
      void get<{ properties: Record<string, unknown> }>(`/collections/renewal_candidates/items/${encodeURIComponent(String(ren.properties.id))}?f=json`).then((f) => {
        const p = f.properties;
        const reasons = (lang() === 'zh' ? p.reasons_zh : p.reasons_en) as string[] | null;
        new maplibregl.Popup({ maxWidth: '320px' }).setLngLat(e.lngLat)
          .setHTML(`<b>${esc(t('renewal'))} · ${esc(t('rank'))} ${esc(p.rank)}</b><br>${esc(p.name ?? p.place_id)}<ul style="margin:4px 0 0;padding-left:16px">${(reasons ?? []).slice(0, 5).map((r) => `<li>${esc(r)}</li>`).join('')}</ul>`).addTo(map);
      }, () => {});
      return;
    }
    const hot = hits.find((f) => f.layer.id === 'case-hotspots-fill');
    if (hot) { new maplibregl.Popup({ maxWidth: '280px' }).setLngLat(e.lngLat).setHTML(hotspotPopup(hot.properties)).addTo(map); return; }
    void showIsochrone(e.lngLat.lng, e.lngLat.lat);
  });
  for (const l of interactive) {
    map.on('mouseenter', l, () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', l, () => { map.getCanvas().style.cursor = ''; });
  }

  renderChrome();
  map.on('load', () => { app.ready = true; applyColors(); applyFacilityFilter(); });
  const firstBuildings = () => {
    if (app.firstBuildingsMs !== undefined || !map.getLayer('buildings-3d')) return;
    if (map.queryRenderedFeatures({ layers: ['buildings-3d'] }).length > 0) {
      app.firstBuildingsMs = Math.round(performance.now() - t0);
      map.off('idle', firstBuildings);
      map.off('render', firstBuildings);
    }
  };
  map.on('idle', firstBuildings);
  map.on('render', firstBuildings);
}

main().catch((e) => {
  console.error(e);
  const el = document.querySelector('#fatal') as HTMLElement;
  el.hidden = false;
  el.textContent = `OpenCIM: ${e instanceof Error ? e.message : String(e)}`;
});
