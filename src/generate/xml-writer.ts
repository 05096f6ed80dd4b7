/**
 * Streaming OSM XML (API 0.6 format) writer with the same contract as the PBF writer.
 * Output is gathered into ~256 KiB chunks and handed to a file stream; `drain()` waits for the
 * stream when it is behind.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { flatTags, formatE7, OrderGuard, toE7, type OsmMember, type OsmTags, type OsmWriter, type OsmWriterOptions } from './osm-writer.js';

const CHUNK = 256 * 1024;

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\n': '&#10;', '\r': '&#13;', '\t': '&#9;' };
const NEEDS_ESC = /[&<>"'\n\r\t]/;
const ESC_ALL = /[&<>"'\n\r\t]/g;
// characters XML 1.0 cannot carry at all
// eslint-disable-next-line no-control-regex
const INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

export function xmlEscape(s: string): string {
  if (INVALID.test(s)) throw new Error(`string cannot be written to XML: ${JSON.stringify(s)}`);
  return NEEDS_ESC.test(s) ? s.replace(ESC_ALL, (c) => ESC[c]) : s;
}

export class XmlWriter implements OsmWriter {
  private readonly stream: WriteStream;
  private readonly guard: OrderGuard;
  private buf = '';
  private error: Error | undefined;
  private bytes = 0;
  private closed = false;

  constructor(path: string, opts: OsmWriterOptions = {}) {
    this.guard = new OrderGuard(opts.sorted !== false);
    this.stream = createWriteStream(path, { highWaterMark: 1 << 20 });
    this.stream.on('error', (e) => {
      this.error ??= e;
    });
    this.buf = `<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="${xmlEscape(opts.generator ?? 'opencim')}">\n`;
    if (opts.bbox) {
      const [w, s, e, n] = opts.bbox;
      this.buf += `  <bounds minlat="${formatE7(toE7(s))}" minlon="${formatE7(toE7(w))}" maxlat="${formatE7(toE7(n))}" maxlon="${formatE7(toE7(e))}"/>\n`;
    }
  }

  addNode(id: number, lon: number, lat: number, tags?: OsmTags): void {
    this.guard.check('node', id);
    const kv = flatTags(tags);
    let s = `  <node id="${id}" lat="${formatE7(toE7(lat))}" lon="${formatE7(toE7(lon))}"`;
    if (kv.length === 0) s += '/>\n';
    else s += '>\n' + tagLines(kv) + '  </node>\n';
    this.push(s);
  }

  addWay(id: number, refs: ArrayLike<number>, tags?: OsmTags): void {
    this.guard.check('way', id);
    const kv = flatTags(tags);
    if (refs.length === 0 && kv.length === 0) {
      this.push(`  <way id="${id}"/>\n`);
      return;
    }
    let s = `  <way id="${id}">\n`;
    for (let i = 0; i < refs.length; i++) s += `    <nd ref="${refs[i]}"/>\n`;
    this.push(s + tagLines(kv) + '  </way>\n');
  }

  addRelation(id: number, members: readonly OsmMember[], tags?: OsmTags): void {
    this.guard.check('relation', id);
    const kv = flatTags(tags);
    if (members.length === 0 && kv.length === 0) {
      this.push(`  <relation id="${id}"/>\n`);
      return;
    }
    let s = `  <relation id="${id}">\n`;
    for (const m of members) {
      if (m.type !== 'node' && m.type !== 'way' && m.type !== 'relation') throw new Error(`relation ${id}: bad member type ${m.type}`);
      s += `    <member type="${m.type}" ref="${m.ref}" role="${xmlEscape(m.role)}"/>\n`;
    }
    this.push(s + tagLines(kv) + '  </relation>\n');
  }

  async drain(): Promise<void> {
    if (this.error) throw this.error;
    if (this.stream.writableNeedDrain) await once(this.stream, 'drain');
    if (this.error) throw this.error;
  }

  async close(): Promise<number> {
    if (this.closed) throw new Error('writer already closed');
    this.closed = true;
    this.buf += '</osm>\n';
    this.flush();
    if (this.error) throw this.error;
    this.stream.end();
    await finished(this.stream);
    if (this.error) throw this.error;
    return this.bytes;
  }

  abort(): void {
    this.closed = true;
    this.stream.destroy();
  }

  private push(s: string): void {
    this.buf += s;
    if (this.buf.length >= CHUNK) this.flush();
  }

  private flush(): void {
    if (!this.buf) return;
    const b = Buffer.from(this.buf, 'utf8');
    this.buf = '';
    this.bytes += b.length;
    this.stream.write(b);
  }
}

function tagLines(kv: readonly string[]): string {
  let s = '';
  for (let j = 0; j < kv.length; j += 2) s += `    <tag k="${xmlEscape(kv[j])}" v="${xmlEscape(kv[j + 1])}"/>\n`;
  return s;
}

export function createXmlWriter(path: string, opts: OsmWriterOptions = {}): OsmWriter {
  return new XmlWriter(path, opts);
}
