/**
 * The HTML representation of the OGC API pages: the same JSON document, shown as a readable page
 * (links, a table of features). Every value is escaped.
 */
interface Link { href: string; rel: string; type?: string; title?: string }

export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CSS = `body{font:14px/1.5 system-ui,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#1f2933;background:#f7f8fa}
header{background:#17324d;color:#fff;padding:10px 24px;display:flex;gap:18px;align-items:baseline}
header a{color:#cfe3ff;text-decoration:none}header b{font-size:16px}
main{max-width:1100px;margin:0 auto;padding:16px 24px}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:16px;margin:20px 0 6px}
table{border-collapse:collapse;background:#fff;width:100%;font-size:13px}
td,th{border:1px solid #e1e5ea;padding:4px 8px;text-align:left;vertical-align:top}th{background:#eef2f6}
a{color:#1565c0}.muted{color:#6b7785}code{background:#eef2f6;padding:1px 4px;border-radius:3px}
ul.links{padding-left:18px}footer{color:#6b7785;font-size:12px;padding:16px 24px}`;

/** the header's links of a page: the landing page and the collections of the request's city (it keeps the city of a store with several) */
export interface Nav { landing: string; collections: string }
const ROOT_NAV: Nav = { landing: '/?f=html', collections: '/collections?f=html' };

export function page(title: string, body: string, nav: Nav = ROOT_NAV): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · OpenCIM</title><style>${CSS}</style></head><body>
<header><b>OpenCIM</b><a href="/">地图 Map</a><a href="${esc(nav.landing)}">API</a><a href="${esc(nav.collections)}">数据集 Collections</a><a href="/api.html">OpenAPI</a></header>
<main>${body}</main><footer>Data © OpenStreetMap contributors (ODbL 1.0) where imported from OpenStreetMap.</footer></body></html>`;
}

/** an error as a page, for a browser that asked for HTML: the message, and the links the error gives (e.g. the cities to choose from) */
export function errorHtml(status: number, code: string, message: string, links: Link[] = []): string {
  return page(`${status} ${code}`, `<h1>${esc(status)} <code>${esc(code)}</code></h1><p>${esc(message)}</p>${links.length ? linksList(links) : ''}`);
}

/** the HTML form of a link: its f=json made f=html, or f=html added */
export function htmlHref(href: string): string {
  if (/[?&]f=json\b/.test(href)) return href.replace(/([?&])f=json\b/, '$1f=html');
  if (/[?&]f=html\b/.test(href)) return href;
  return `${href}${href.includes('?') ? '&' : '?'}f=html`;
}

export function linksList(links: Link[]): string {
  return `<ul class="links">${links.map((l) => `<li><a href="${esc(l.href)}">${esc(l.title ?? l.rel)}</a> <span class="muted">${esc(l.rel)}${l.type ? ` · ${esc(l.type)}` : ''}</span></li>`).join('')}</ul>`;
}

export function landingHtml(doc: { title: string; description: string; links: Link[] }): string {
  const self = doc.links.find((l) => l.rel === 'alternate')?.href;
  const data = doc.links.find((l) => l.rel === 'data')?.href;
  return page(doc.title, `<h1>${esc(doc.title)}</h1><p>${esc(doc.description)}</p>${linksList(doc.links)}`,
    self && data ? { landing: self, collections: htmlHref(data) } : ROOT_NAV);
}

export function conformanceHtml(doc: { conformsTo: string[] }, nav?: Nav): string {
  return page('Conformance', `<h1>Conformance 符合性</h1><ul>${doc.conformsTo.map((c) => `<li><code>${esc(c)}</code></li>`).join('')}</ul>`, nav);
}

interface CollectionDoc { id: string; title: string; description?: string; links: Link[]; extent?: { spatial?: { bbox: number[][] }; temporal?: { interval: unknown[][] } }; itemType?: string; crs?: string[] }

/** the link of a rel (and type) from a document's links */
const linkOf = (links: Link[], rel: string, type?: string) => links.find((l) => l.rel === rel && (!type || l.type === type))?.href;

/** a collection: its title, extent and links, all from the document's own links (they carry the city) */
function collectionBlock(c: CollectionDoc, heading: 'h1' | 'h2'): string {
  const bbox = c.extent?.spatial?.bbox?.[0];
  const self = linkOf(c.links, 'alternate', 'text/html') ?? htmlHref(linkOf(c.links, 'self') ?? '');
  const items = linkOf(c.links, 'items', 'text/html') ?? htmlHref(linkOf(c.links, 'items') ?? '');
  const queryables = htmlHref(linkOf(c.links, 'http://www.opengis.net/def/rel/ogc/1.0/queryables') ?? '');
  return `<${heading}><a href="${esc(self)}">${esc(c.title)}</a> <code>${esc(c.id)}</code></${heading}>
<p>${esc(c.description ?? '')}</p>${bbox ? `<p class="muted">extent: ${bbox.map((v) => Number(v).toFixed(5)).join(', ')}</p>` : ''}
<p><a href="${esc(items)}">items 要素</a> · <a href="${esc(queryables)}">queryables</a></p>`;
}

export function collectionsHtml(doc: { collections: CollectionDoc[]; links?: Link[] }, nav?: Nav): string {
  const cities = (doc.links ?? []).filter((l) => l.rel === 'child');
  return page('Collections', `<h1>Collections 数据集</h1>${cities.length ? `<p>各城市 / the cities:</p>${linksList(cities.map((l) => ({ ...l, href: htmlHref(l.href) })))}` : ''}${doc.collections.map((c) => collectionBlock(c, 'h2')).join('')}`, nav);
}

export function collectionHtml(c: CollectionDoc, nav?: Nav): string {
  return page(c.title, collectionBlock(c, 'h1') + linksList(c.links), nav);
}

export function queryablesHtml(doc: { title: string; properties: Record<string, { type?: string; title?: string; description?: string; 'x-ogc-unit'?: string }> }, nav?: Nav): string {
  return page(doc.title, `<h1>${esc(doc.title)}</h1><table><tr><th>名称 name</th><th>中文</th><th>类型 type</th><th>单位 unit</th><th>说明 description</th></tr>${Object.entries(doc.properties)
    .map(([k, v]) => `<tr><td><code>${esc(k)}</code></td><td>${esc(v.title ?? '')}</td><td>${esc(v.type ?? 'geometry')}</td><td>${esc(v['x-ogc-unit'] ?? '')}</td><td>${esc(v.description ?? '')}</td></tr>`).join('')}</table>`, nav);
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '<span class="muted">–</span>';
  if (typeof v === 'object') {
    const s = JSON.stringify(v);
    return `<code>${esc(s.length > 160 ? s.slice(0, 160) + '…' : s)}</code>`;
  }
  return esc(v);
}

/** a page of features: `itemHref` is a feature's own page (its link keeps the city) */
export function itemsHtml(title: string, itemHref: (id: string) => string, fc: { features: { id: string; properties: Record<string, unknown> }[]; numberMatched?: number; numberReturned: number; links: Link[] }, nav?: Nav): string {
  const cols = fc.features.length ? Object.keys(fc.features[0].properties).filter((k) => k !== 'tags') : [];
  const nav2 = fc.links.filter((l) => l.rel === 'prev' || l.rel === 'next').map((l) => `<a href="${esc(htmlHref(l.href))}">${l.rel === 'next' ? '下一页 next →' : '← 上一页 prev'}</a>`).join(' · ');
  const up = fc.links.find((l) => l.rel === 'collection');
  return page(title, `<h1>${esc(title)}</h1><p class="muted">${fc.numberReturned} returned${fc.numberMatched !== undefined ? ` of ${fc.numberMatched} matched` : ''}. ${nav2}${up ? ` · <a href="${esc(htmlHref(up.href))}">数据集 collection</a>` : ''}</p>
<table><tr><th>id</th>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>${fc.features.map((f) =>
    `<tr><td><a href="${esc(itemHref(f.id))}">${esc(f.id)}</a></td>${cols.map((c) => `<td>${cell(f.properties[c])}</td>`).join('')}</tr>`).join('')}</table><p>${nav2}</p>`, nav);
}

export function itemHtml(title: string, f: { id: string; properties: Record<string, unknown>; geometry: unknown }, links: Link[] = [], nav?: Nav): string {
  const g = f.geometry as { type?: string } | null;
  return page(title, `<h1>${esc(title)}</h1><table>${Object.entries(f.properties).map(([k, v]) => `<tr><th>${esc(k)}</th><td>${cell(v)}</td></tr>`).join('')}
<tr><th>geometry</th><td>${esc(g?.type ?? 'none')}</td></tr></table>${links.length ? linksList(links.map((l) => (l.rel === 'collection' ? { ...l, href: htmlHref(l.href) } : l))) : ''}`, nav);
}
