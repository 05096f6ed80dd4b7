#!/usr/bin/env node
// postinstall: the part of PGlite's PostGIS bundle a store uses, as a bundle of its own.
//
// Each time an embedded store opens, PGlite gunzips the whole PostGIS bundle (19.7 MB, 94.6 MB
// unpacked) and writes every file of it into its in-memory file system: the raster and topology
// libraries, upgrade scripts from every earlier version, the tiger geocoder, ... OpenCIM uses
// `postgis` alone. This writes `postgis-core.tar.gz` beside the bundle, with the PostGIS library,
// its PROJ data, its control file and the install script of its default version (the files
// `CREATE EXTENSION postgis` and every later session read); the embedded driver
// (src/store/pglite-driver.ts) loads it when present, else the whole bundle. Written next to the
// bundle so that a new version of the package, which replaces its folder, never meets an old one.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

// (the embedded driver, src/store/pglite-driver.ts, looks for this name beside the bundle)
const CORE = 'postgis-core.tar.gz';

// an optimisation: whatever goes wrong, the install goes on (the store works without it, only slower)
process.on('uncaughtException', (e) => { console.error(`slim-postgis: ${e.message}: the whole bundle will be used`); process.exit(0); });

let dist;
try {
  dist = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite-postgis'));
} catch {
  process.exit(0); // not installed: nothing to do
}
const bundle = join(dist, 'postgis.tar.gz'), out = join(dist, CORE);
if (!existsSync(bundle) || existsSync(out)) process.exit(0);

/** the entries of a tar archive: [header offset, end offset (padded data included), name, type] */
function* entries(tar) {
  let off = 0;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) return;
    const str = (a, b) => h.subarray(a, b).toString('latin1').replace(/\0.*$/s, '');
    const size = parseInt(str(124, 136).trim() || '0', 8);
    const prefix = str(257, 263).startsWith('ustar') ? str(345, 500) : '';
    const name = (prefix ? `${prefix}/` : '') + str(0, 100);
    const end = off + 512 + Math.ceil(size / 512) * 512;
    yield { off, end, name, type: String.fromCharCode(h[156] || 48) };
    off = end;
  }
}

const tar = gunzipSync(readFileSync(bundle));
const all = [...entries(tar)];
const control = all.find((e) => e.name === 'share/postgresql/extension/postgis.control');
if (!control) { console.error('slim-postgis: no postgis.control in the bundle: left as installed'); process.exit(0); }
const version = /default_version\s*=\s*'([^']+)'/.exec(tar.subarray(control.off + 512, control.end).toString('utf8'))?.[1];
const keep = new Set(['lib/postgresql/postgis-3.so', 'share/postgresql/extension/postgis.control', `share/postgresql/extension/postgis--${version}.sql`]);
const wanted = (name) => keep.has(name) || name.startsWith('share/proj/') || name.endsWith('/');

const parts = [];
let meta = []; // pax / GNU long-name headers belong to the entry that follows them
let kept = 0;
for (const e of all) {
  const block = tar.subarray(e.off, e.end);
  if ('xLK'.includes(e.type)) { meta.push(block); continue; }
  if (e.type === 'g') { parts.push(block); continue; }
  if (wanted(e.name)) { parts.push(...meta, block); kept++; }
  meta = [];
}
if (![...keep].every((k) => all.some((e) => e.name === k))) {
  console.error(`slim-postgis: the bundle lacks one of ${[...keep].join(', ')}: left as installed`);
  process.exit(0);
}
parts.push(Buffer.alloc(1024)); // the end of the archive
const slim = Buffer.concat(parts);
try {
  writeFileSync(`${out}.tmp`, gzipSync(slim, { level: 1 }));
  renameSync(`${out}.tmp`, out); // whole or absent
} catch (e) {
  // an optimisation: an install never fails for it (the driver then loads the whole bundle)
  try { rmSync(`${out}.tmp`, { force: true, recursive: true }); } catch { /* nothing more to do */ }
  console.error(`slim-postgis: cannot write ${out} (${e.code ?? e.message}): the whole bundle will be used`);
  process.exit(0);
}
console.error(`slim-postgis: ${CORE}: ${kept} of the bundle's files, ${(slim.length / 1048576).toFixed(1)} of ${(tar.length / 1048576).toFixed(1)} MB unpacked`);
