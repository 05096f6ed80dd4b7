#!/usr/bin/env node
// postinstall: a performance fix to PGlite's Emscripten glue, applied to the installed package.
//
// Emscripten's dlsym (`__dlsym_js`) finds a symbol's index with `Object.keys(lib.exports).indexOf(symbol)`:
// a fresh array of every export of the library for each look-up. PostGIS exports thousands of
// symbols and PostgreSQL looks one up for every C function it defines or first calls, so
// `CREATE EXTENSION postgis` spent 3.7 of its 4.4 s there, and every session pays again for each
// PostGIS function it calls. The fix keeps, per exports object, a Map from name to that same index
// (Object.keys order; rebuilt when a name it does not hold is asked): the same result, in O(1).
//
// Idempotent; a package without the pattern (a PGlite that fixed it), or one that cannot be written,
// is left alone with a note: the store works either way, only slower.
// Nothing else in the package is touched. Runs from package.json "postinstall" (npm install / npm ci).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const MARK = '__opencimSymbolIndex';
// (a function declaration, appended: hoisted to the top of the file's scope, so it is defined before any dlsym runs)
const HELPER = `\n;function ${MARK}(x,t){var c=${MARK}.c||(${MARK}.c=new WeakMap),m=c.get(x);` +
  `if(!m||!m.has(t)){m=new Map(Object.keys(x).map(function(k,i){return[k,i]}));c.set(x,m)}return m.has(t)?m.get(t):-1}\n`;
const LOOKUP = /Object\.keys\(([\w$]+)\.exports\)\.indexOf\(([\w$]+)\)/g;

// an optimisation: whatever goes wrong, the install goes on (the store works without it, only slower)
process.on('uncaughtException', (e) => { console.error(`patch-pglite: ${e.message}: left as installed`); process.exit(0); });

let dist;
try {
  // (the package's entry lives in dist/; its package.json is not exported)
  dist = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
} catch {
  process.exit(0); // not installed (yet): nothing to patch
}
let patched = 0, already = 0;
for (const f of readdirSync(dist)) {
  if (!/\.(c?js)$/.test(f)) continue;
  const file = join(dist, f);
  const src = readFileSync(file, 'utf8');
  if (src.includes(MARK)) { already++; continue; }
  if (!src.includes('dlsym')) continue;
  const out = src.replace(LOOKUP, (_m, lib, sym) => `${MARK}(${lib}.exports,${sym})`);
  if (out === src) continue;
  try {
    writeFileSync(file, out + HELPER);
    patched++;
  } catch (e) {
    // an optimisation: an install never fails for it
    console.error(`patch-pglite: cannot write ${file} (${e.code ?? e.message}): left as installed`);
  }
}
if (!patched && !already) console.error('patch-pglite: no dlsym look-up found in @electric-sql/pglite (fixed upstream?): left as installed');
else if (patched) console.error(`patch-pglite: dlsym look-up made O(1) in ${patched} file(s) of @electric-sql/pglite`);
