import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { firstUndecodable } from '../../ingest/encoding.js';
import { InputError } from '../../model/errors.js';

/**
 * The text of an input CSV of the inventory (metered data, certifications), strict in its encoding:
 * UTF-8 (a byte-order mark is skipped) unless `encoding` says GBK, as Excel and many Chinese systems
 * save it. Bytes that do not decode are an error naming the first bad line and, when the file is
 * valid in the other encoding, the flag that reads it; UTF-8 with Chinese in it is refused as GBK (it
 * would decode, garbled); never text silently garbled.
 */
export type CsvEncoding = 'utf8' | 'gbk';
export const CSV_ENCODINGS: readonly CsvEncoding[] = ['utf8', 'gbk'];

const decodes = (b: Uint8Array, label: string) => { try { new TextDecoder(label, { fatal: true }).decode(b); return true; } catch { return false; } };

export async function readCsvText(path: string, encoding: CsvEncoding, error: new (m: string) => InputError): Promise<string> {
  const name = basename(path);
  let buf: Buffer;
  try { buf = readFileSync(path); } catch (e) { throw new error(`cannot read ${path} 无法读取: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
  const bom = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  const body = buf.subarray(bom);
  const label = encoding === 'gbk' ? 'gbk' : 'utf-8';
  // GBK asked for, but the bytes are UTF-8 with Chinese in them: GBK text is almost never valid UTF-8, while UTF-8 read as GBK decodes, garbled
  if (label === 'gbk' && body.some((b) => b >= 0x80) && decodes(body, 'utf-8')) {
    throw new error(`${name}: 文件是 UTF-8 文本, 按 GBK 读取会成乱码: 请去掉 --encoding gbk (the file is UTF-8 text, which read as GBK would be garbled: leave out --encoding gbk)`);
  }
  try {
    return new TextDecoder(label, { fatal: true }).decode(body);
  } catch {
    const line = (await firstUndecodable(path, label).catch(() => null))?.line ?? 1;
    if (label === 'utf-8') {
      throw new error(decodes(body, 'gbk')
        ? `${name} 第 ${line} 行: 文件不是有效的 UTF-8 文本, 很可能是 GBK 编码 (Excel 常这样保存): 请加 --encoding gbk (row ${line}: the file is not valid UTF-8 text; it is probably GBK, as Excel often saves it: add --encoding gbk)`
        : `${name} 第 ${line} 行: 文件既不是有效的 UTF-8 文本也不是 GBK 文本 (row ${line}: the file is neither valid UTF-8 nor GBK text)`);
    }
    throw new error(decodes(body, 'utf-8')
      ? `${name} 第 ${line} 行: 文件不是有效的 GBK 文本, 而是 UTF-8: 请去掉 --encoding gbk (row ${line}: the file is not valid GBK text; it is UTF-8: leave out --encoding gbk)`
      : `${name} 第 ${line} 行: 文件不是有效的 GBK 文本 (row ${line}: the file is not valid GBK text)`);
  }
}
