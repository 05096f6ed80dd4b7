/**
 * Chinese names for the synthetic city: roads, admin areas, compounds, facilities. Built from
 * character pools so they look plausible without copying a real city, and kept free of the
 * keywords that the taxonomy matches by name (小学, 中学, 养老, 社区服务, 菜市场, ...) unless a
 * facility is meant to be recognised by its name.
 */
import { Rng } from './prng.js';

// First and second characters of two-character place words. Characters that would make
// accidental taxonomy matches (学, 老, 市, 场, 务, 委, 群, 料, 初, 高, 中 ...) are left out.
const FIRST = [...new Set('东西南北新青金银和平安康宁福华兴盛文武江湖山松竹梅兰桂枫柳杨云星光明晨春秋锦翠丰永长祥瑞泰鸿嘉荣月阳凤龙紫玉清')];
const SECOND = [...new Set('园湾林河桥港坪岭洲峰亭苑溪泉庄岗塘坡口台源门城堤沙井田坊岛滨湖庭汇景')];

const CN_DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
/** 1 → 一, 12 → 十二, 35 → 三十五 (1..999) */
export function cnNumber(n: number): string {
  if (n <= 0 || n >= 1000 || !Number.isInteger(n)) return String(n);
  const h = Math.floor(n / 100);
  const t = Math.floor((n % 100) / 10);
  const u = n % 10;
  let s = '';
  if (h) s += CN_DIGITS[h] + '百';
  if (t) s += (t === 1 && !h ? '' : CN_DIGITS[t]) + '十';
  else if (h && u) s += '零';
  if (u) s += CN_DIGITS[u];
  return s;
}

/** Words that name matching in the taxonomy reacts to; generated place words must avoid them. */
export const CATEGORY_NAME_KEYWORDS = ['小学', '中学', '初中', '高中', '养老', '敬老', '老年', '日间照料', '社区服务', '居委会', '社区居民委员会', '党群服务', '菜市场', '农贸市场'];

/** A deterministic, shuffled supply of distinct two-character words, then numbered ones. */
export class WordPool {
  private readonly words: string[];
  constructor(seed: number) {
    const all: string[] = [];
    for (const a of FIRST) for (const b of SECOND) if (a !== b) all.push(a + b);
    this.words = new Rng(seed).shuffle(all);
  }
  /** the i-th word: distinct for i < size, then the word with a Chinese ordinal (东湾二, ...) */
  word(i: number): string {
    const n = this.words.length;
    const w = this.words[i % n];
    const round = Math.floor(i / n);
    return round === 0 ? w : w + cnNumber(round + 1);
  }
  get size(): number {
    return this.words.length;
  }
}

const DISTRICTS = ['云湖区', '临江区', '南湖区', '明珠区', '青山湾区', '东湖新区', '汉阳湾区', '枫林区'];
export function districtName(seed: number): string {
  return DISTRICTS[seed % DISTRICTS.length];
}

export const COMPOUND_SUFFIX_OLD = ['小区', '新村', '宿舍', '里', '小区', '村'];
export const COMPOUND_SUFFIX_NEW = ['花园', '家园', '苑', '华庭', '公馆', '雅居', '名都', '城', '公寓', '府', '小区', '湾'];
export const PHARMACY_NAMES = ['老百姓大药房', '益丰大药房', '大参林药店', '国大药房', '同仁堂药店', '好药师大药房'];
export const CONVENIENCE_NAMES = ['中百便民超市', '今天便利店', '美宜佳', 'Today便利店', '罗森', '便利蜂', '红旗连锁'];
export const SUPERMARKET_NAMES = ['中百仓储', '永辉超市', '沃尔玛', '家乐福', '盒马鲜生', '武商量贩'];
