/** A realistic register made by the tests: profiles and inspections of a few thousand buildings (deterministic). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROFILE_COLUMNS, INSPECTION_COLUMNS } from '../../src/domains/safety/csv.js';

let s = 7;
const rnd = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)];
const pad = (n: number) => String(n).padStart(2, '0');

export interface Register { profiles: string[][]; inspections: string[][] }

export function makeRegister(buildings: number, inspections: number): Register {
  s = 7;
  const profiles: string[][] = [];
  for (let b = 0; b < buildings; b++) {
    const storeys = 1 + Math.floor(rnd() * 33);
    profiles.push([
      `w${1000 + b}`, String(1950 + Math.floor(rnd() * 74)), rnd() < 0.7 ? '50' : '', pick(['brick_concrete', 'prefab_slab', 'frame', 'shear_wall', 'steel', 'timber', 'self_built', 'other', '砖混', '预制板']),
      String(storeys), rnd() < 0.5 ? (storeys * 2.9).toFixed(1) : '', pick(['residential', 'residential', 'residential', 'public_crowded', 'commercial_self_built', 'office', '住宅']),
      String(Math.floor(rnd() * 150)), rnd() < 0.03 ? '1' : '0', pick(['6', '7', '8', 'VIII', '']), rnd() < 0.1 ? '1' : '0', rnd() < 0.5 ? `物业公司 ${b % 40}, 第${b % 7}分公司` : '', pick(['0', '1', '']), pick(['0', '1', '']),
    ]);
  }
  const rows: string[][] = [];
  for (let j = 0; j < inspections; j++) {
    const y = 2005 + Math.floor(rnd() * 21), m = 1 + Math.floor(rnd() * 12), d = 1 + Math.floor(rnd() * 28);
    const grade = pick(['A', 'A', 'A', 'B', 'B', 'C', 'D']);
    const cd = grade === 'C' || grade === 'D';
    rows.push([
      `INS-${String(j).padStart(6, '0')}`, `w${1000 + Math.floor(rnd() * buildings)}`, `${y}-${pad(m)}-${pad(d)}`, pick(['市房屋安全鉴定中心', 'Acme Survey Ltd', '']), pick(['张三', '李四', '']),
      pick(['现场查勘', 'visual', '']), grade, cd ? pick(['structure', 'structure;gas', '结构;楼道', 'envelope;pipes']) : pick(['', '', 'energy', 'age_friendly;digital']),
      cd ? pick(['use', 'observe', 'stop', 'demolish', '处理使用']) : '', cd ? `${y + 1}-${pad(m)}-${pad(d)}` : '', cd && rnd() < 0.5 ? `${y + 1}-01-${pad(d)}` : '', '',
    ]);
  }
  return { profiles, inspections: rows };
}

const csvField = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
export function writeCsv(dir: string, name: string, header: readonly string[], rows: string[][]): string {
  const p = join(dir, name);
  writeFileSync(p, [header.join(','), ...rows.map((r) => r.map(csvField).join(','))].join('\n') + '\n');
  return p;
}
export { PROFILE_COLUMNS, INSPECTION_COLUMNS };
