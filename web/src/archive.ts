/**
 * The viewer's archive control (档案): the city as of a date, and what changed since a date.
 * It talks to the public APIs only: the layers' TileJSON with `?as_of=`, and /api/v1/changes.
 */
import type * as maplibregl from 'maplibre-gl';
import { get, cityParam } from './api';
import { tx } from './i18n';
import { esc } from './panel';

export interface ArchiveState {
  asOf: string;
  since: string;
  changes: { added: string[]; changed: string[]; removed: string[] } | null;
}

export const CHANGE_COLORS = { added: '#1b9e77', changed: '#e6a100' };

export function archiveSection(a: ArchiveState): string {
  const c = a.changes;
  return `
    <h3>${esc(tx({ zh: '档案', en: 'Archive' }))}</h3>
    <label class="sub">${esc(tx({ zh: '城市截至（日期）', en: 'City as of (date)' }))}</label>
    <input type="date" id="as-of" value="${esc(a.asOf)}">
    <label class="sub">${esc(tx({ zh: '显示此日期以来的变化', en: 'Show changes since' }))}</label>
    <input type="date" id="since" value="${esc(a.since)}">
    ${c ? `<ul class="legend" id="changes-legend">
      <li><i style="background:${CHANGE_COLORS.added}"></i>${esc(tx({ zh: '新增', en: 'added' }))} ${c.added.length}</li>
      <li><i style="background:${CHANGE_COLORS.changed}"></i>${esc(tx({ zh: '变更', en: 'changed' }))} ${c.changed.length}</li>
      <li><i style="background:#999"></i>${esc(tx({ zh: '移除', en: 'removed' }))} ${c.removed.length}</li></ul>` : ''}`;
}

const withParams = (path: string, extra: Record<string, string>) => {
  const q = new URLSearchParams(cityParam());
  for (const [k, v] of Object.entries(extra)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
};

/**
 * The city as of `a.asOf` ('' = now): the served style for that time (its versioned sources carry
 * `as_of`), applied as a diff; `restyle` re-applies what the user chose (colours, filters, layers).
 */
export async function applyAsOf(map: maplibregl.Map, a: ArchiveState, restyle: () => void, prepare: (s: maplibregl.StyleSpecification) => maplibregl.StyleSpecification = (s) => s): Promise<void> {
  const style = prepare(await get<maplibregl.StyleSpecification>(withParams('/styles/city.json', { as_of: a.asOf })));
  map.once('styledata', () => { restyle(); void applyChanges(map, a); });
  map.setStyle(style, { diff: true });
}

/** fetch the buildings changed since `a.since` and outline them on the map */
export async function applyChanges(map: maplibregl.Map, a: ArchiveState): Promise<void> {
  if (!a.since) {
    a.changes = null;
  } else {
    const r = await get<{ kinds: { kind: string; added: string[]; changed: string[]; removed: string[] }[] }>(withParams('/api/v1/changes', { since: a.since, until: a.asOf }));
    a.changes = r.kinds.find((k) => k.kind === 'buildings') ?? { added: [], changed: [], removed: [] };
  }
  if (!map.getSource('buildings')) return;
  if (!map.getLayer('archive-changes')) {
    map.addLayer({ id: 'archive-changes', type: 'line', source: 'buildings', 'source-layer': 'buildings', paint: { 'line-width': 3, 'line-color': CHANGE_COLORS.changed } });
  }
  const c = a.changes;
  map.setFilter('archive-changes', c ? ['in', ['get', 'id'], ['literal', [...c.added, ...c.changed]]] : ['==', ['get', 'id'], '']);
  if (c) map.setPaintProperty('archive-changes', 'line-color', ['case', ['in', ['get', 'id'], ['literal', c.added]], CHANGE_COLORS.added, CHANGE_COLORS.changed]);
}
