/**
 * Text made of many parts (lines, JSON elements) grouped into pieces of about `chars` characters,
 * made as they are pulled, for a write that must not hold its whole output. Pieces stay small
 * (32K characters: at most 64 KB even as two-byte text) because V8 puts a larger string in its
 * large-object space, which only a full collection frees: a megacity's outputs written in 1 MB
 * pieces left ~1 GB of such garbage at the peak of its health check.
 */
export function* pieces(parts: Iterable<string>, chars = 32 << 10): Generator<string> {
  let piece = '';
  for (const p of parts) {
    piece += p;
    if (piece.length >= chars) { yield piece; piece = ''; }
  }
  if (piece) yield piece;
}
