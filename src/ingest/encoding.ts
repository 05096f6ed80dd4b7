import { createReadStream } from 'node:fs';

/**
 * Where a text file stops decoding in an encoding (the CSV readers' errors name it): shared by the
 * register and the hotline imports.
 */
export /** line (1-based, as the CSV reader counts them) and byte (1-based) where the first sequence `label` cannot decode starts; null when it all decodes */
async function firstUndecodable(file: string, label: 'gbk' | 'utf-8'): Promise<{ line: number; offset: number } | null> {
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
