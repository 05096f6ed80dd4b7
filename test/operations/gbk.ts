/** GBK bytes of a text, by the reverse of Node's own GBK decoder (no encoder ships with Node) */
export function gbk(text: string): Buffer {
  const table = new Map<string, number[]>();
  const dec = new TextDecoder('gbk');
  for (let a = 0x81; a <= 0xfe; a++) for (let b = 0x40; b <= 0xfe; b++) {
    if (b === 0x7f) continue;
    const ch = dec.decode(Uint8Array.of(a, b));
    if (ch.length === 1 && ch !== '\ufffd' && !table.has(ch)) table.set(ch, [a, b]);
  }
  const out: number[] = [];
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) { out.push(ch.charCodeAt(0)); continue; }
    const bytes = table.get(ch);
    if (!bytes) throw new Error(`no GBK code for ${ch}`);
    out.push(...bytes);
  }
  return Buffer.from(out);
}
