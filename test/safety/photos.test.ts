/**
 * Inspection photos by content hash: a local file's sha256 is computed (or checked against the
 * hash given with it), the file stored once by it; a mismatch, a missing file or a non-photo is a
 * row error naming the file, row and column. Hashes cross-checked with sha256sum.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRegisterText } from '../../src/domains/safety/csv.js';
import { importRegisterFiles } from '../../src/domains/safety/store.js';
import { openStore } from '../../src/store/driver.js';
import { DRIVERS, tempDir } from '../helpers/stores.js';

const IH = 'inspection_id,building_id,date,organisation,inspector,method,grade,hazards,measure,deadline,remediated_on,verified_by,photos';
const sha256sum = (f: string) => execFileSync('sha256sum', [f], { encoding: 'utf8' }).split(' ')[0];

function photoDir() {
  const dir = tempDir('photos-');
  mkdirSync(join(dir, 'img'));
  writeFileSync(join(dir, 'img', 'crack.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR a wall crack')]));
  writeFileSync(join(dir, 'img', 'stair.jpg'), Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('a stairwell')]));
  writeFileSync(join(dir, 'img', 'notes.txt'), 'not a photo');
  return dir;
}

describe('inspection photos in the CSV', () => {
  it('computes the sha256 of a local file, checks a given one, keeps URLs and hashes; names every bad photo', () => {
    const dir = photoDir();
    const png = sha256sum(join(dir, 'img', 'crack.png')), jpg = sha256sum(join(dir, 'img', 'stair.jpg'));
    const url = 'https://example.org/p/1.jpg', stored = 'ab'.repeat(32);
    const ok = parseRegisterText(join(dir, 'i.csv'), [IH,
      `I1,w1,2024-01-01,,,,B,,,,,,img/crack.png; img/stair.jpg=sha256:${jpg.toUpperCase()}; ${url}; sha256:${stored}`,
      `I2,w2,2024-01-01,,,,A,,,,,,${join(dir, 'img', 'crack.png')}`].join('\n'));
    expect(ok.rows.map((r) => (r as { photos: string[] }).photos)).toEqual([[png, jpg, url, stored], [png]]);
    expect(ok.kind === 'inspections' && [...ok.photoFiles!].map(([sha, f]) => [sha, f.media_type, f.bytes])).toEqual([[png, 'image/png', 25], [jpg, 'image/jpeg', 15]]);

    const f = join(dir, 'bad.csv');
    expect(() => parseRegisterText(f, [IH,
      `I1,w1,2024-01-01,,,,B,,,,,,img/stair.jpg=${png}`,
      'I2,w1,2024-01-01,,,,B,,,,,,img/missing.jpg',
      'I3,w1,2024-01-01,,,,B,,,,,,img/notes.txt',
    ].join('\n'))).toThrow([
      `${f} (row 2, column photos): "img/stair.jpg" has sha256 ${jpg}, not the given ${png} (a different or altered file) / 照片哈希不符`,
      `${f} (row 3, column photos): "img/missing.jpg" is not a URL, a sha256 or a readable file (paths are relative to the CSV's folder) / 找不到照片文件`,
      `${f} (row 4, column photos): "img/notes.txt" is not a JPEG, PNG or WebP photo / 照片格式应为 JPEG、PNG 或 WebP`,
      '3 error(s): nothing was imported / 有 3 处错误，未导入任何数据',
    ].join('\n'));
  });
});

describe.each(DRIVERS)('inspection photos stored by content hash ($name)', (driver) => {
  it('stores each local photo once, by its sha256, with the inspection naming it', async () => {
    const dir = photoDir();
    const png = sha256sum(join(dir, 'img', 'crack.png'));
    const store = await openStore(await driver.fresh());
    try {
      const text = [IH, 'I1,w1,2024-01-01,,,,B,,,,,,img/crack.png;img/stair.jpg', 'I2,w2,2024-02-01,,,,A,,,,,,img/crack.png'].join('\n');
      const [r] = await importRegisterFiles(store, 'c', [parseRegisterText(join(dir, 'inspections.csv'), text)], { actor: 'inspector-zhao' });
      expect(r).toMatchObject({ added: 2, photos_stored: 2 });
      const rows = await store.query<{ sha256: string; media_type: string; n: number; actor: string }>(
        `SELECT sha256, media_type, length(bytes)::int AS n, actor FROM safety_photos WHERE city_id = 'c' ORDER BY media_type`);
      expect(rows.map((x) => [x.sha256, x.media_type, Number(x.n), x.actor])).toEqual([
        [sha256sum(join(dir, 'img', 'stair.jpg')), 'image/jpeg', 15, 'inspector-zhao'], [png, 'image/png', 25, 'inspector-zhao']]);
      // the stored bytes hash to their name (the database's own sha256)
      expect((await store.query<{ ok: boolean }>(`SELECT bool_and(encode(sha256(bytes), 'hex') = sha256) AS ok FROM safety_photos`))[0].ok).toBe(true);
      const insp = await store.query<{ photos: string[] | string }>(`SELECT photos FROM safety_inspections_current WHERE city_id = 'c' AND id = 'I2'`);
      expect(String(insp[0].photos)).toContain(png);
      // again: nothing new stored, no new version
      const [again] = await importRegisterFiles(store, 'c', [parseRegisterText(join(dir, 'inspections.csv'), text)], { actor: 'inspector-zhao' });
      expect(again).toMatchObject({ added: 0, changed: 0, unchanged: 2, photos_stored: 0 });
    } finally { await store.close(); }
  }, 300_000);
});
