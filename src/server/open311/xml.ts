/**
 * The XML of GeoReport v2: a declaration, then elements. Text is escaped (& < > " ') and
 * characters XML 1.0 forbids are dropped, so reporter text can never inject markup. Lists are
 * wrapped the way FixMyStreet's XML::Simple reading expects (services/service, attributes/attribute,
 * values/value, service_requests/request, errors/error, service_request_updates/request_update).
 */
export const ITEM: Record<string, string> = {
  services: 'service', attributes: 'attribute', values: 'value', service_requests: 'request', errors: 'error',
  service_request_updates: 'request_update', endpoints: 'endpoint', formats: 'format', groups: 'group',
};

// eslint-disable-next-line no-control-regex
const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ENT: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export const escapeXml = (s: string) => s.replace(INVALID, '').replace(/[&<>"']/g, (c) => ENT[c]);

function node(tag: string, v: unknown): string {
  if (v === undefined) return '';
  if (v === null || v === '') return `<${tag}/>`;
  if (Array.isArray(v)) {
    const item = ITEM[tag];
    if (!item) throw new Error(`no item element for the list ${tag}`);
    return `<${tag}>${v.map((x) => node(item, x)).join('')}</${tag}>`;
  }
  if (typeof v === 'object') return `<${tag}>${Object.entries(v as Record<string, unknown>).map(([k, x]) => node(k, x)).join('')}</${tag}>`;
  return `<${tag}>${escapeXml(String(v))}</${tag}>`;
}

export function xmlDocument(root: string, value: unknown): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${node(root, value)}\n`;
}
