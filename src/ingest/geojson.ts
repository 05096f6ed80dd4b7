/**
 * GeoJSON reader: a FeatureCollection is streamed (a byte scanner cuts the `features` array into
 * one JSON text per feature, so memory stays at one feature whatever the file size); GeoJSONSeq /
 * newline-delimited GeoJSON is read line by line; a lone Feature or geometry is read whole.
 * Honours the legacy (2008) `crs` member: `{"type":"name","properties":{"name":"EPSG:4547"}}`
 * (any form `parseCrs` accepts) or `{"type":"EPSG","properties":{"code":4547}}`.
 */
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { parseCrs, type CrsInfo, type Transform } from './crs.js';
import { IngestError } from '../model/errors.js';
import { cannotReadFile } from './bilingual.js';
import { likelyEncoding, undecodable, Utf8Witness } from './encoding.js';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { transformFor, transformGeometry, type FeatureReadOptions, type GeoFeature } from './features.js';

const SEQ_EXTENSIONS = new Set(['.geojsonl', '.geojsons', '.geojsonseq', '.ndjson', '.jsonl']);
/** Files that are not a FeatureCollection (a lone Feature or geometry) are parsed whole up to this size. */
const WHOLE_FILE_LIMIT = 512 * 1024 * 1024;

export async function* readGeoJSON(file: string, options: FeatureReadOptions = {}): AsyncGenerator<GeoFeature> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (e) {
    throw new IngestError(file, undefined, cannotReadFile((e as Error).message));
  }
  const seq = SEQ_EXTENSIONS.has(extname(file).toLowerCase()) || (await looksLikeSequence(file));
  if (seq) yield* readSequence(file, size, options);
  else yield* readCollection(file, size, options);
}

/** A legacy GeoJSON `crs` member → CrsInfo. */
export function crsFromMember(crs: unknown, file: string): CrsInfo | undefined {
  if (crs === null || crs === undefined) return undefined;
  const c = crs as { type?: unknown; properties?: Record<string, unknown> };
  const props = c.properties ?? {};
  if (c.type === 'name' && typeof props.name === 'string') return parseCrs(props.name, file);
  if (c.type === 'EPSG' && (typeof props.code === 'number' || typeof props.code === 'string')) return parseCrs(`EPSG:${props.code}`, file);
  throw new IngestError(file, 'crs member', `无法读取旧式 crs 成员 ${JSON.stringify(crs)}：请用 --crs EPSG:xxxx 指定 / cannot read the legacy crs member ${JSON.stringify(crs)}; use --crs EPSG:xxxx`);
}

/** First line is a complete Feature and another JSON text follows: newline-delimited GeoJSON. */
async function looksLikeSequence(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    let text = buf.subarray(0, bytesRead).toString('utf8');
    text = text.replace(/^\uFEFF/, '').trimStart();
    if (text.startsWith('\x1e')) return true;
    const nl = text.indexOf('\n');
    if (nl < 0) return false;
    try {
      const first = JSON.parse(text.slice(0, nl)) as { type?: unknown };
      if (first?.type !== 'Feature') return false;
    } catch {
      return false;
    }
    const rest = text.slice(nl + 1).trimStart();
    return rest.startsWith('{') || rest.startsWith('\x1e');
  } finally {
    await fh.close();
  }
}

const NOT_AN_OBJECT = '要素必须是 JSON 对象 / a feature must be a JSON object';
const invalidJson = (e: unknown) => `JSON 无效：${(e as Error).message} / invalid JSON: ${(e as Error).message}`;

function featureFrom(
  value: unknown,
  index: number,
  t: Transform,
  file: string,
  location: string,
  options: FeatureReadOptions,
  text?: string,
): GeoFeature | undefined {
  if (!value || typeof value !== 'object') throw new IngestError(file, location, NOT_AN_OBJECT);
  const f = value as { type?: unknown; id?: unknown; geometry?: unknown; properties?: unknown };
  let geometry: unknown;
  let properties: Record<string, unknown> = {};
  let id: string | undefined;
  if (f.type === 'Feature') {
    geometry = f.geometry;
    if (f.properties !== null && f.properties !== undefined) {
      if (typeof f.properties !== 'object' || Array.isArray(f.properties)) {
        throw new IngestError(file, location, 'properties 必须是对象或 null / properties must be an object or null');
      }
      properties = f.properties as Record<string, unknown>;
    }
    if (typeof f.id === 'string' || typeof f.id === 'number') id = String(f.id);
  } else if (typeof f.type === 'string' && 'coordinates' in f) {
    geometry = f; // a bare geometry
  } else {
    throw new IngestError(file, location, `应为 Feature，实为类型 ${JSON.stringify(f.type)} / expected a Feature, got type ${JSON.stringify(f.type)}`);
  }
  if (geometry === null || geometry === undefined) {
    options.onProblem?.({ id: id ?? String(index), problem: `${location}: 没有几何，已跳过 / no geometry, skipped` });
    return undefined;
  }
  return { index, id, geometry: transformGeometry(geometry, t, { file, location, text }), properties };
}

/** GeoJSON is UTF-8 (RFC 7946 §11): bytes that are not are an error naming line and byte, never read garbled */
async function notUtf8(file: string): Promise<IngestError> {
  const u = await undecodable(file, 'utf-8', await likelyEncoding(file, 0));
  return new IngestError(file, `line ${u.line}`, `${u.zh}（GeoJSON 应为 UTF-8 编码，RFC 7946） / ${u.en} (GeoJSON is UTF-8, RFC 7946)`);
}

/** the file's text as it streams, checked to be UTF-8 */
async function* utf8Text(file: string, stream: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const w = new Utf8Witness();
  const sd = new StringDecoder('utf8');
  for await (const chunk of stream) {
    if (!w.push(chunk).valid) throw await notUtf8(file);
    yield sd.write(chunk);
  }
  if (!w.end().valid) throw await notUtf8(file);
  const rest = sd.end();
  if (rest) yield rest;
}

// ---------------------------------------------------------------------------------------------
// GeoJSONSeq / NDJSON

async function* readSequence(file: string, size: number, options: FeatureReadOptions): AsyncGenerator<GeoFeature> {
  const t = transformFor(file, options);
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  const input = Readable.from(utf8Text(file, stream as AsyncIterable<Buffer>));
  // (an error while reading reaches the lines below; one after they stopped, the file closed under a
  // read still pending, has no one left to tell)
  input.on('error', () => {});
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  let index = 0;
  let bytes = 0;
  let lastReport = 0;
  try {
    for await (let line of lines) {
      lineNo++;
      bytes += Buffer.byteLength(line) + 1;
      if (lineNo === 1) line = line.replace(/^\uFEFF/, '');
      line = line.replace(/^\x1e/, '').trim();
      if (line === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (e) {
        throw new IngestError(file, `line ${lineNo}`, invalidJson(e));
      }
      const v = value as { type?: unknown; features?: unknown };
      const items = v && v.type === 'FeatureCollection' && Array.isArray(v.features) ? v.features : [value];
      for (const item of items) {
        const f = featureFrom(item, index, t, file, `line ${lineNo}, feature ${index}`, options, line);
        index++;
        if (f) yield f;
      }
      if (options.onProgress && bytes - lastReport > 1 << 22) {
        lastReport = bytes;
        options.onProgress(Math.min(bytes, size), size);
      }
    }
  } finally {
    lines.close();
    input.destroy();
    stream.destroy();
  }
  options.onProgress?.(size, size);
}

// ---------------------------------------------------------------------------------------------
// FeatureCollection, streamed

const QUOTE = 0x22, BACKSLASH = 0x5c, LBRACE = 0x7b, RBRACE = 0x7d, LBRACKET = 0x5b, RBRACKET = 0x5d, COMMA = 0x2c, COLON = 0x3a;

interface MemberValue {
  key: string;
  text: string;
}

/**
 * Scans the bytes of one top-level JSON object. Calls `onFeature(text)` for each element of its
 * `features` array and collects the text of the small members we need (`type`, `crs`).
 */
class CollectionScanner {
  depth = 0;
  inString = false;
  escape = false;
  /** at depth 1, the next string is a member name */
  expectKey = false;
  key: number[] | null = null;
  currentKey: string | null = null;
  /** capture of the current element (depth ≥ 3 inside features) or member value (depth ≥ 1) */
  parts: Buffer[] = [];
  captureStart = -1;
  capturing: 'feature' | 'member' | null = null;
  inFeatures = false;
  sawFeatures = false;
  rootSeen = false;
  members: MemberValue[] = [];
  badElement = false;

  constructor(
    private readonly onFeature: (text: string) => void,
    private readonly file: string,
  ) {}

  private finishCapture(chunk: Buffer, endExclusive: number): string {
    this.parts.push(chunk.subarray(this.captureStart, endExclusive));
    const text = Buffer.concat(this.parts).toString('utf8');
    this.parts = [];
    this.captureStart = -1;
    this.capturing = null;
    return text;
  }

  feed(chunk: Buffer, isFirst: boolean): void {
    let i = 0;
    const n = chunk.length;
    if (isFirst && n >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
    if (this.capturing) this.captureStart = 0;
    while (i < n) {
      const b = chunk[i];
      if (this.inString) {
        if (this.escape) {
          this.escape = false;
          if (this.key) this.key.push(b);
        } else if (b === BACKSLASH) {
          this.escape = true;
          if (this.key) this.key.push(b);
        } else if (b === QUOTE) {
          this.inString = false;
          if (this.key) {
            this.currentKey = Buffer.from(this.key).toString('utf8');
            this.key = null;
            this.expectKey = false;
          }
        } else if (this.key) {
          this.key.push(b);
        } else {
          // skip the rest of an ordinary string quickly: jump to the next quote or backslash
          let j = i + 1;
          while (j < n && chunk[j] !== QUOTE && chunk[j] !== BACKSLASH) j++;
          i = j;
          continue;
        }
        i++;
        continue;
      }
      switch (b) {
        case QUOTE:
          this.inString = true;
          if (this.depth === 1 && this.expectKey) this.key = [];
          else if (this.depth === 2 && this.inFeatures) this.badElement = true;
          break;
        case LBRACE:
        case LBRACKET:
          if (this.depth === 0) {
            if (b !== LBRACE) throw new IngestError(this.file, undefined, 'GeoJSON 文件必须是一个 JSON 对象 / a GeoJSON file must hold a JSON object');
            if (this.rootSeen) {
              throw new IngestError(this.file, undefined, '顶层有多个 JSON 值（是按行分隔的 GeoJSON？请把扩展名改为 .geojsonl） / ' +
                'more than one JSON value at the top level (newline-delimited GeoJSON? name it .geojsonl)');
            }
            this.rootSeen = true;
            this.expectKey = true;
          } else if (this.depth === 1 && this.currentKey === 'features' && !this.inFeatures) {
            if (b !== LBRACKET) throw new IngestError(this.file, undefined, '"features" 必须是数组 / "features" must be an array');
            this.inFeatures = true;
            this.sawFeatures = true;
          } else if (this.depth === 2 && this.inFeatures) {
            this.capturing = 'feature';
            this.captureStart = i;
          }
          this.depth++;
          break;
        case RBRACE:
        case RBRACKET:
          this.depth--;
          if (this.depth < 0) throw new IngestError(this.file, undefined, 'JSON 格式错误：括号不配对 / malformed JSON: unbalanced brackets');
          if (this.depth === 2 && this.capturing === 'feature') {
            this.onFeature(this.finishCapture(chunk, i + 1));
          } else if (this.depth === 1 && this.inFeatures && b === RBRACKET) {
            this.inFeatures = false;
          } else if (this.depth === 0 && this.capturing === 'member') {
            this.members.push({ key: this.currentKey!, text: this.finishCapture(chunk, i) });
          }
          break;
        case COMMA:
          if (this.depth === 1) {
            if (this.capturing === 'member') this.members.push({ key: this.currentKey!, text: this.finishCapture(chunk, i) });
            this.expectKey = true;
            this.currentKey = null;
          }
          break;
        case COLON:
          if (this.depth === 1 && (this.currentKey === 'type' || this.currentKey === 'crs')) {
            this.capturing = 'member';
            this.captureStart = i + 1;
          }
          break;
        default:
          if (this.depth === 2 && this.inFeatures && b > 0x20) {
            // something other than an object in the features array (null, a number, ...)
            this.badElement = true;
          }
      }
      i++;
    }
    if (this.capturing) this.parts.push(chunk.subarray(this.captureStart));
  }
}

async function* readCollection(file: string, size: number, options: FeatureReadOptions): AsyncGenerator<GeoFeature> {
  const pending: string[] = [];
  const scanner = new CollectionScanner((text) => pending.push(text), file);
  let t: Transform | undefined;
  let declared: CrsInfo | undefined;
  let crsSeen = false;
  let index = 0;
  let bytes = 0;
  let first = true;
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  const utf8 = new Utf8Witness();
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (!utf8.push(chunk).valid) throw await notUtf8(file);
      scanner.feed(chunk, first);
      first = false;
      bytes += chunk.length;
      if (scanner.badElement) throw new IngestError(file, `feature ${index + pending.length}`, NOT_AN_OBJECT);
      if (!crsSeen) {
        const m = scanner.members.find((x) => x.key === 'crs');
        if (m) {
          crsSeen = true;
          declared = crsFromMember(parseMember(m, file), file);
          if (t && !options.crs && declared && declared.projected) {
            // features before it were already converted as WGS84: refuse rather than mix
            throw new IngestError(file, 'crs member', `crs 成员（${declared.name}）位于要素之后：请把它移到要素之前，或用 --crs EPSG:${declared.epsg} 指定 / ` +
              `the crs member (${declared.name}) comes after the features; move it before them or pass --crs EPSG:${declared.epsg}`);
          }
        }
      }
      if (pending.length) {
        t ??= transformFor(file, options, declared);
        for (const text of pending) {
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch (e) {
            throw new IngestError(file, `feature ${index}`, invalidJson(e));
          }
          const f = featureFrom(value, index, t, file, `feature ${index}`, options, text);
          index++;
          if (f) yield f;
        }
        pending.length = 0;
      }
      options.onProgress?.(bytes, size);
    }
  } finally {
    stream.destroy();
  }
  if (!utf8.end().valid) throw await notUtf8(file);
  if (scanner.inString || scanner.depth !== 0) {
    throw new IngestError(file, undefined, 'JSON 不完整或格式错误（括号不配对或字符串没有结束） / truncated or malformed JSON (unbalanced brackets or an unterminated string)');
  }
  if (!scanner.rootSeen) throw new IngestError(file, undefined, '空文件：没有 GeoJSON 对象 / empty file: no GeoJSON object');
  const typeMember = scanner.members.find((x) => x.key === 'type');
  const type = typeMember ? parseMember(typeMember, file) : undefined;
  if (scanner.sawFeatures) {
    if (type !== undefined && type !== 'FeatureCollection') {
      throw new IngestError(file, undefined, `顶层类型为 ${JSON.stringify(type)}，但对象含有 "features" 数组 / top-level type is ${JSON.stringify(type)} but the object has a "features" array`);
    }
    return;
  }
  // Not a FeatureCollection: a single Feature or geometry, read whole.
  if (size > WHOLE_FILE_LIMIT) {
    throw new IngestError(file, undefined, `顶层类型 ${JSON.stringify(type)} 不是 FeatureCollection，且文件太大，无法整体读取 / ` +
      `top-level type ${JSON.stringify(type)} is not a FeatureCollection and the file is too large to read whole`);
  }
  let whole: { crs?: unknown };
  const wholeText = (await readFile(file, 'utf8')).replace(/^\uFEFF/, ''); // (checked to be UTF-8 as it was scanned)
  try {
    whole = JSON.parse(wholeText) as { crs?: unknown };
  } catch (e) {
    throw new IngestError(file, undefined, invalidJson(e));
  }
  const tt = transformFor(file, options, crsFromMember(whole.crs, file));
  const f = featureFrom(whole, 0, tt, file, 'feature 0', options, wholeText);
  if (f) yield f;
}

function parseMember(m: MemberValue, file: string): unknown {
  try {
    return JSON.parse(m.text);
  } catch (e) {
    throw new IngestError(file, `member "${m.key}"`, invalidJson(e));
  }
}
