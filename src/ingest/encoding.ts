import { createReadStream, readFileSync } from 'node:fs';
import { cannotReadFile, type ZhEn } from './bilingual.js';

/**
 * Where a text file stops decoding in an encoding (the CSV readers' errors name it): shared by the
 * register and the hotline imports and the city-model readers (CSV, census). `start`: the first byte
 * read (after a byte-order mark that is not the encoding's own); the offset returned counts from the
 * start of the file all the same.
 */
export /** line (1-based, as the CSV reader counts them) and byte (1-based) where the first sequence `label` cannot decode starts; null when it all decodes */
async function firstUndecodable(file: string, label: string, start = 0): Promise<{ line: number; offset: number } | null> {
  const chunks = () => createReadStream(file, { highWaterMark: 1 << 16, start }) as AsyncIterable<Buffer>;
  // the chunk it is in (a decoder's state cannot be copied: the second pass feeds the chunks before it whole)
  let bad = -1, k = 0;
  const probe = new TextDecoder(label, { fatal: true });
  for await (const c of chunks()) { try { probe.decode(c, { stream: true }); } catch { bad = k; break; } k++; }
  if (bad < 0) { try { probe.decode(); return null; } catch { bad = k - 1; /* a sequence cut off at the end of the last chunk */ } }
  const dec = new TextDecoder(label, { fatal: true });
  let line = 1, offset = start, prevCR = false;
  const count = (byte: number) => { if (byte === 0x0a) { if (!prevCR) line++; prevCR = false; } else if (byte === 0x0d) { line++; prevCR = true; } else prevCR = false; };
  k = 0;
  for await (const c of chunks()) {
    if (k++ !== bad) {
      dec.decode(c, { stream: true });
      for (let i = 0; i < c.length; i++) count(c[i]);
      offset += c.length;
      continue;
    }
    // byte by byte: the bad sequence starts at the first byte still pending when the decoder gives up
    let begin = -1, startLine = line;
    for (let i = 0; i < c.length; i++, offset++) {
      let t: string;
      try { t = dec.decode(c.subarray(i, i + 1), { stream: true }); } catch { return begin >= 0 ? { line: startLine, offset: begin + 1 } : { line, offset: offset + 1 }; }
      if (!t) { if (begin < 0) { begin = offset; startLine = line; } } else begin = -1;
      count(c[i]);
    }
    if (begin >= 0) return { line: startLine, offset: begin + 1 };
    break;
  }
  return { line, offset: offset + 1 };
}

/** whether `bytes` decode, whole, in `label` */
const decodes = (bytes: Uint8Array, label: string): boolean => {
  try { new TextDecoder(label, { fatal: true }).decode(bytes); return true; } catch { return false; }
};

/**
 * Where the first sequence of `bytes`, a text of its own (a fixed-width field), that `label` cannot
 * decode starts (0-based); null when it all decodes. Small texts only: the error path.
 */
export function firstUndecodableIn(bytes: Uint8Array, label: string): number | null {
  if (decodes(bytes, label)) return null;
  // the longest prefix of whole characters before the decoder gives up
  let ok = 0;
  for (let n = 1; n <= bytes.length; n++) {
    try { new TextDecoder(label, { fatal: true }).decode(bytes.subarray(0, n), { stream: true }); } catch { break; }
    if (decodes(bytes.subarray(0, n), label)) ok = n;
  }
  return ok;
}

// ---- staff files in one encoding (the register, the 12345 hotline, metered energy): the one rule -----------------------

/** the encodings a staff file may be in: UTF-8 (the default) or GBK, as Excel and many Chinese systems save it */
export type TextEncoding = 'utf8' | 'gbk';
/**
 * The decoder's name of an encoding: GBK is read as GB18030, its superset and China's mandatory
 * character set (Node's GBK decoder turns GB18030's four-byte characters, rare characters of place
 * and person names, into U+FFFD, and maps some two-byte ones to private-use code points), by the
 * city-model readers (features.ts textDecoder) and the staff files alike.
 */
export const decoderName = (encoding: string): string => (encoding === 'gbk' ? 'gb18030' : encoding);
const LABEL = { utf8: 'utf-8', gbk: decoderName('gbk') } as const;
export const decoderLabel = (e: TextEncoding) => LABEL[e];

/** the name a message gives an encoding (a TextEncoding or a name of features.ts normaliseEncoding): UTF-8, GBK, GB18030, BIG5, ... */
export const encodingName = (encoding: string): string => (encoding === 'utf8' || encoding === 'utf-8' ? 'UTF-8' : encoding.toUpperCase());
/** the rules' family of an encoding: UTF-8, or GBK (with GB18030, its decoder) */
const family = (encoding: string): TextEncoding | undefined => (encoding === 'utf8' || encoding === 'utf-8' ? 'utf8' : decoderName(encoding) === 'gb18030' ? 'gbk' : undefined);

/** whether `bytes` are valid text in `encoding` */
export function decodesAs(bytes: Uint8Array, encoding: TextEncoding): boolean {
  return decodes(bytes, LABEL[encoding]);
}

/**
 * Reads bytes as UTF-8 beside their decoding in another encoding, for the rule that UTF-8 text is
 * never read as GBK (utf8AskedAsGbk): whether they are valid UTF-8, and hold a multi-byte character.
 */
export class Utf8Witness {
  valid = true;
  multiByte = false;
  private dec = new TextDecoder('utf-8', { fatal: true });
  /** the next bytes of the text */
  push(bytes: Uint8Array): this {
    if (!this.valid) return this;
    if (!this.multiByte && bytes.some((b) => b >= 0x80)) this.multiByte = true;
    try { this.dec.decode(bytes, { stream: true }); } catch { this.valid = false; }
    return this;
  }
  /** the end of a text; `cutOff`: a character cut off at its end does not count (a fixed-width DBF field can end so) */
  end(cutOff = false): this {
    if (!this.valid) return this;
    try { this.dec.decode(); } catch { if (cutOff) this.dec = new TextDecoder('utf-8', { fatal: true }); else this.valid = false; }
    return this;
  }
}

/** the bytes of `file` from `start` on, through a Utf8Witness */
export async function utf8WitnessOf(file: string, start = 0): Promise<Utf8Witness> {
  const w = new Utf8Witness();
  for await (const c of createReadStream(file, { highWaterMark: 1 << 20, start }) as AsyncIterable<Buffer>) { if (!w.push(c).valid) return w; }
  return w.end();
}

/**
 * The rule: text asked to be read as GBK (or GB18030, its decoder) that is valid UTF-8 with
 * multi-byte characters is UTF-8 (GBK text is almost never valid UTF-8), and is refused
 * (UTF8_ASKED_AS_GBK), never read garbled.
 */
export const utf8AskedAsGbk = (encoding: string, utf8: Utf8Witness): boolean => family(encoding) === 'gbk' && utf8.valid && utf8.multiByte;

/**
 * GBK asked for, but the file is UTF-8 with multi-byte characters: read as GBK it would decode,
 * garbled (GBK text is almost never valid UTF-8), so it is refused with this message.
 */
export const UTF8_ASKED_AS_GBK = '文件是有效的 UTF-8 文本且含多字节字符，按 GBK 读取会成乱码：请去掉 --encoding gbk（若确为 GBK，请先转为 UTF-8：iconv -f GBK -t UTF-8）/ ' +
  'the file is valid UTF-8 text with multi-byte characters, which read as GBK would be garbled: leave out --encoding gbk (if it really is GBK, convert it first: iconv -f GBK -t UTF-8)';

/**
 * What to say after "... is not valid <encoding> text": which encoding it probably is and the flag
 * to give. `likely`: the one of UTF-8 and GBK that reads the whole text, null when neither does.
 */
export function encodingAdvice(encoding: string, likely: TextEncoding | null): ZhEn {
  switch (family(encoding)) {
    case 'utf8':
      return likely === 'gbk' ? { zh: '：很可能是 GBK 编码（Excel 与 12345 等系统常这样导出），请加 --encoding gbk', en: ': it is probably GBK (as Excel and systems such as 12345 often export it): add --encoding gbk' }
        : { zh: '，也不是有效的 GBK 文本', en: ', nor valid GBK text' };
    case 'gbk':
      return likely === 'utf8' ? { zh: '，而是 UTF-8：请去掉 --encoding gbk', en: '; it is UTF-8: leave out --encoding gbk' } : { zh: '，也不是有效的 UTF-8 文本', en: ', nor valid UTF-8 text' };
    default: // Big5, UTF-16, ...
      return likely === 'utf8' ? { zh: '，而是 UTF-8：请改用 --encoding utf-8', en: '; it is UTF-8: use --encoding utf-8' }
        : likely === 'gbk' ? { zh: '：很可能是 GBK 编码，请改用 --encoding gbk', en: ': it is probably GBK: use --encoding gbk' }
          : { zh: '，也不是有效的 UTF-8 或 GBK 文本：请用 --encoding 指定其编码', en: ', nor valid UTF-8 or GBK text: give its encoding with --encoding' };
  }
}

/** the one of UTF-8 and GBK that reads all of `file` from `start` on; null when neither does (the advice of an encoding error) */
export async function likelyEncoding(file: string, start = 0): Promise<TextEncoding | null> {
  for (const e of ['utf8', 'gbk'] as const) if ((await firstUndecodable(file, LABEL[e], start).catch(() => undefined)) === null) return e;
  return null;
}

/**
 * Where a file stops decoding in `encoding` and what to do: `readsAsOther` says whether the other
 * of UTF-8 and GBK reads the whole file (then the advice is its flag), or names the one that does
 * (null: neither). Read again from the start (or `start`): the error path only. The message whole,
 * and its halves for a caller that adds to it.
 */
export async function undecodable(file: string, encoding: string, readsAsOther: boolean | TextEncoding | null, start = 0): Promise<{ line: number; offset: number; message: string } & ZhEn> {
  const at = (await firstUndecodable(file, decoderName(encoding), start).catch(() => null)) ?? { line: 1, offset: start + 1 };
  const likely = typeof readsAsOther !== 'boolean' ? readsAsOther : !readsAsOther ? null : family(encoding) === 'utf8' ? 'gbk' : family(encoding) === 'gbk' ? 'utf8' : null;
  const name = encodingName(encoding), header = at.line === 1 ? '（表头）' : '', headerEn = at.line === 1 ? ' (in the header)' : '';
  const advice = encodingAdvice(encoding, likely);
  const zh = `文件第 ${at.line} 行${header}（第 ${at.offset} 字节）起不是有效的 ${name} 文本${advice.zh}`;
  const en = `the file is not valid ${name} text from line ${at.line}${headerEn}, byte ${at.offset}${advice.en}`;
  return { ...at, zh, en, message: `${zh} / ${en}` };
}

/**
 * A whole staff file's text, strictly in one encoding: UTF-8 (a byte-order mark skipped) or GBK.
 * Bytes that do not decode, or UTF-8 asked to be read as GBK, are `fail(message, line)` (line 0:
 * the whole file); never text silently garbled.
 */
export async function readTextStrict(file: string, encoding: TextEncoding, fail: (message: string, line: number) => Error): Promise<string> {
  let buf: Buffer;
  try { buf = readFileSync(file); } catch (e) { throw fail(cannotReadFile((e as NodeJS.ErrnoException).code ?? (e as Error).message), 0); }
  const body = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? buf.subarray(3) : buf;
  const other: TextEncoding = encoding === 'gbk' ? 'utf8' : 'gbk';
  if (utf8AskedAsGbk(encoding, new Utf8Witness().push(body).end())) throw fail(UTF8_ASKED_AS_GBK, 0);
  try {
    return new TextDecoder(LABEL[encoding], { fatal: true }).decode(body);
  } catch {
    const u = await undecodable(file, encoding, decodesAs(body, other));
    throw fail(u.message, u.line);
  }
}
