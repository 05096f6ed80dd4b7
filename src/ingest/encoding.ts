import { createReadStream, readFileSync } from 'node:fs';

/**
 * Where a text file stops decoding in an encoding (the CSV readers' errors name it): shared by the
 * register and the hotline imports.
 */
export /** line (1-based, as the CSV reader counts them) and byte (1-based) where the first sequence `label` cannot decode starts; null when it all decodes */
async function firstUndecodable(file: string, label: string): Promise<{ line: number; offset: number } | null> {
  const chunks = () => createReadStream(file, { highWaterMark: 1 << 16 }) as AsyncIterable<Buffer>;
  // the chunk it is in (a decoder's state cannot be copied: the second pass feeds the chunks before it whole)
  let bad = -1, k = 0;
  const probe = new TextDecoder(label, { fatal: true });
  for await (const c of chunks()) { try { probe.decode(c, { stream: true }); } catch { bad = k; break; } k++; }
  if (bad < 0) { try { probe.decode(); return null; } catch { bad = k - 1; /* a sequence cut off at the end of the last chunk */ } }
  const dec = new TextDecoder(label, { fatal: true });
  let line = 1, offset = 0, prevCR = false;
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
    let start = -1, startLine = line;
    for (let i = 0; i < c.length; i++, offset++) {
      let t: string;
      try { t = dec.decode(c.subarray(i, i + 1), { stream: true }); } catch { return start >= 0 ? { line: startLine, offset: start + 1 } : { line, offset: offset + 1 }; }
      if (!t) { if (start < 0) { start = offset; startLine = line; } } else start = -1;
      count(c[i]);
    }
    if (start >= 0) return { line: startLine, offset: start + 1 };
    break;
  }
  return { line, offset: offset + 1 };
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
const NAME = { utf8: 'UTF-8', gbk: 'GBK' } as const;

/** whether `bytes` are valid text in `encoding` */
export function decodesAs(bytes: Uint8Array, encoding: TextEncoding): boolean {
  try { new TextDecoder(LABEL[encoding], { fatal: true }).decode(bytes); return true; } catch { return false; }
}

/**
 * GBK asked for, but the file is UTF-8 with multi-byte characters: read as GBK it would decode,
 * garbled (GBK text is almost never valid UTF-8), so it is refused with this message.
 */
export const UTF8_ASKED_AS_GBK = '文件是有效的 UTF-8 文本且含多字节字符，按 GBK 读取会成乱码：请去掉 --encoding gbk（若确为 GBK，请先转为 UTF-8：iconv -f GBK -t UTF-8）/ ' +
  'the file is valid UTF-8 text with multi-byte characters, which read as GBK would be garbled: leave out --encoding gbk (if it really is GBK, convert it first: iconv -f GBK -t UTF-8)';

/**
 * Where a file stops decoding in `encoding` and what to do: `readsAsOther` says whether the other
 * encoding reads the whole file (then the advice is its flag). Read again from the start: the error path only.
 */
export async function undecodable(file: string, encoding: TextEncoding, readsAsOther: boolean): Promise<{ line: number; offset: number; message: string }> {
  const at = (await firstUndecodable(file, LABEL[encoding]).catch(() => null)) ?? { line: 1, offset: 1 };
  const name = NAME[encoding], header = at.line === 1 ? '（表头）' : '', headerEn = at.line === 1 ? ' (in the header)' : '';
  const advice = encoding === 'utf8'
    ? (readsAsOther ? { zh: '：很可能是 GBK 编码（Excel 与 12345 等系统常这样导出），请加 --encoding gbk', en: ': it is probably GBK (as Excel and systems such as 12345 often export it): add --encoding gbk' }
      : { zh: '，也不是有效的 GBK 文本', en: ', nor valid GBK text' })
    : (readsAsOther ? { zh: '，而是 UTF-8：请去掉 --encoding gbk', en: '; it is UTF-8: leave out --encoding gbk' } : { zh: '，也不是有效的 UTF-8 文本', en: ', nor valid UTF-8 text' });
  return { ...at, message: `文件第 ${at.line} 行${header}（第 ${at.offset} 字节）起不是有效的 ${name} 文本${advice.zh} / the file is not valid ${name} text from line ${at.line}${headerEn}, byte ${at.offset}${advice.en}` };
}

/**
 * A whole staff file's text, strictly in one encoding: UTF-8 (a byte-order mark skipped) or GBK.
 * Bytes that do not decode, or UTF-8 asked to be read as GBK, are `fail(message, line)` (line 0:
 * the whole file); never text silently garbled.
 */
export async function readTextStrict(file: string, encoding: TextEncoding, fail: (message: string, line: number) => Error): Promise<string> {
  let buf: Buffer;
  try { buf = readFileSync(file); } catch (e) { const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message; throw fail(`无法读取文件：${why} / cannot read the file: ${why}`, 0); }
  const body = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? buf.subarray(3) : buf;
  const other: TextEncoding = encoding === 'gbk' ? 'utf8' : 'gbk';
  if (encoding === 'gbk' && body.some((b) => b >= 0x80) && decodesAs(body, 'utf8')) throw fail(UTF8_ASKED_AS_GBK, 0);
  try {
    return new TextDecoder(LABEL[encoding], { fatal: true }).decode(body);
  } catch {
    const u = await undecodable(file, encoding, decodesAs(body, other));
    throw fail(u.message, u.line);
  }
}
