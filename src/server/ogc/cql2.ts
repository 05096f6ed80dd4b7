/**
 * CQL2 text (OGC API – Features Part 3), hand-written recursive descent: the subset
 * basic-cql2 + advanced comparison (LIKE, IN, BETWEEN) + basic spatial (S_INTERSECTS with BBOX or
 * WKT). The parser knows nothing about SQL; `compile` turns the tree into a parameterised WHERE
 * clause: values go into the parameter list, never into the text, and property names are looked
 * up in the collection's registry (an unknown name is an error, so no client text reaches SQL).
 *
 * Limits (each gives a 400 with the position): filter length, nesting depth, list and coordinate
 * counts.
 */
import type { CollectionSpec, PropType } from '../../catalog/collections.js';
import { GEOMETRY_NAME, intersects, propertyByName, queryables } from '../../catalog/collections.js';

export const MAX_FILTER_LENGTH = 8192;
/** nesting of parentheses and NOT */
export const MAX_DEPTH = 20;
export const MAX_IN_LIST = 1000;
export const MAX_COORDINATES = 10_000;

export class Cql2Error extends Error {
  constructor(message: string, readonly position: number) {
    super(`${message} at position ${position}`);
    this.name = 'Cql2Error';
  }
}

// ---- tokens ---------------------------------------------------------------------------------------

type TokKind = 'ident' | 'qident' | 'string' | 'number' | 'op' | 'punct' | 'eof';
interface Tok { kind: TokKind; text: string; pos: number; value?: string | number }

const OPS = ['<>', '<=', '>=', '=', '<', '>'];

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    const pos = i;
    if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= s.length) throw new Cql2Error('unterminated string', pos);
        if (s[i] === "'") {
          if (s[i + 1] === "'") { v += "'"; i += 2; continue; }
          i++;
          break;
        }
        v += s[i++];
      }
      out.push({ kind: 'string', text: s.slice(pos, i), pos, value: v });
      continue;
    }
    if (c === '"') {
      const end = s.indexOf('"', i + 1);
      if (end < 0) throw new Cql2Error('unterminated quoted property name', pos);
      out.push({ kind: 'qident', text: s.slice(pos, end + 1), pos, value: s.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const num = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(s.slice(i, i + 64));
    if (num && (c !== '+' && c !== '-' || prevAllowsSign(out))) {
      const v = Number(num[0]);
      if (!Number.isFinite(v)) throw new Cql2Error(`number out of range "${num[0]}"`, pos);
      out.push({ kind: 'number', text: num[0], pos, value: v });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_.:]*/.exec(s.slice(i, i + 256));
    if (id) {
      out.push({ kind: 'ident', text: id[0], pos });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => s.startsWith(o, i));
    if (op) { out.push({ kind: 'op', text: op, pos }); i += op.length; continue; }
    if (c === '(' || c === ')' || c === ',') { out.push({ kind: 'punct', text: c, pos }); i++; continue; }
    throw new Cql2Error(`unexpected character ${JSON.stringify(c)}`, pos);
  }
  out.push({ kind: 'eof', text: '', pos: s.length });
  return out;
}

/** a sign starts a number only where a value may start (not after a value: `a-1` is not CQL2 anyway) */
function prevAllowsSign(out: Tok[]): boolean {
  const p = out[out.length - 1];
  return !p || p.kind === 'op' || (p.kind === 'punct' && p.text !== ')') || (p.kind === 'ident' && KEYWORDS.has(p.text.toUpperCase()));
}

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'LIKE', 'BETWEEN', 'IN', 'IS', 'NULL', 'TRUE', 'FALSE']);

// ---- tree -------------------------------------------------------------------------------------------

export type Literal =
  | { kind: 'lit'; type: 'string'; value: string; pos: number }
  | { kind: 'lit'; type: 'number'; value: number; pos: number }
  | { kind: 'lit'; type: 'boolean'; value: boolean; pos: number }
  | { kind: 'lit'; type: 'timestamp'; value: string; pos: number };
export interface PropRef { kind: 'prop'; name: string; pos: number }
export type Scalar = Literal | PropRef;
export interface GeomLit { kind: 'geom'; geojson: { type: string; coordinates: unknown }; pos: number }
export interface BboxLit { kind: 'bbox'; box: [number, number, number, number]; pos: number }

export type Expr =
  | { kind: 'and' | 'or'; args: Expr[] }
  | { kind: 'not'; arg: Expr }
  | { kind: 'cmp'; op: string; left: Scalar; right: Scalar; pos: number }
  | { kind: 'like'; prop: PropRef; pattern: Literal; not: boolean; pos: number }
  | { kind: 'between'; prop: PropRef; lo: Literal; hi: Literal; not: boolean; pos: number }
  | { kind: 'in'; prop: PropRef; list: Literal[]; not: boolean; pos: number }
  | { kind: 'isnull'; prop: PropRef; not: boolean; pos: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'intersects'; a: PropRef | GeomLit | BboxLit; b: PropRef | GeomLit | BboxLit; pos: number };

// ---- parser ----------------------------------------------------------------------------------------

class Parser {
  private i = 0;
  private coords = 0;
  constructor(private toks: Tok[]) {}

  get peek(): Tok { return this.toks[this.i]; }
  private next(): Tok { return this.toks[this.i++]; }
  private isKw(t: Tok, kw: string): boolean { return t.kind === 'ident' && t.text.toUpperCase() === kw; }
  private acceptKw(kw: string): boolean {
    if (this.isKw(this.peek, kw)) { this.i++; return true; }
    return false;
  }
  private expectKw(kw: string): void {
    if (!this.acceptKw(kw)) throw new Cql2Error(`expected ${kw}, found ${describe(this.peek)}`, this.peek.pos);
  }
  private expectPunct(p: string): Tok {
    const t = this.next();
    if (t.kind !== 'punct' || t.text !== p) throw new Cql2Error(`expected '${p}', found ${describe(t)}`, t.pos);
    return t;
  }
  private checkDepth(depth: number): void {
    if (depth > MAX_DEPTH) throw new Cql2Error(`filter nested too deeply (at most ${MAX_DEPTH} levels)`, this.peek.pos);
  }

  parse(): Expr {
    const e = this.orExpr(0);
    if (this.peek.kind !== 'eof') throw new Cql2Error(`unexpected ${describe(this.peek)}`, this.peek.pos);
    return e;
  }

  private orExpr(depth: number): Expr {
    this.checkDepth(depth);
    const args = [this.andExpr(depth)];
    while (this.acceptKw('OR')) args.push(this.andExpr(depth));
    return args.length === 1 ? args[0] : { kind: 'or', args };
  }

  private andExpr(depth: number): Expr {
    this.checkDepth(depth);
    const args = [this.notExpr(depth)];
    while (this.acceptKw('AND')) args.push(this.notExpr(depth));
    return args.length === 1 ? args[0] : { kind: 'and', args };
  }

  private notExpr(depth: number): Expr {
    this.checkDepth(depth);
    if (this.acceptKw('NOT')) return { kind: 'not', arg: this.notExpr(depth + 1) };
    return this.primary(depth);
  }

  private primary(depth: number): Expr {
    this.checkDepth(depth);
    const t = this.peek;
    if (t.kind === 'punct' && t.text === '(') {
      this.next();
      const e = this.orExpr(depth + 1);
      this.expectPunct(')');
      return e;
    }
    if (t.kind === 'ident') {
      const up = t.text.toUpperCase();
      if (up === 'S_INTERSECTS') return this.spatial();
      if (/^S_[A-Z]+$/.test(up) || /^T_[A-Z]+$/.test(up) || /^A_[A-Z]+$/.test(up) || up === 'CASEI' || up === 'ACCENTI') {
        throw new Cql2Error(`function ${t.text} is not supported (supported: S_INTERSECTS)`, t.pos);
      }
      // a lone TRUE / FALSE is a boolean expression, unless a comparison follows
      if ((up === 'TRUE' || up === 'FALSE') && !this.followsComparison(1)) { this.next(); return { kind: 'bool', value: up === 'TRUE' }; }
    }
    return this.predicate();
  }

  private followsComparison(ahead: number): boolean {
    const t = this.toks[this.i + ahead];
    return t !== undefined && (t.kind === 'op' || (t.kind === 'ident' && ['LIKE', 'BETWEEN', 'IN', 'IS', 'NOT'].includes(t.text.toUpperCase())));
  }

  private predicate(): Expr {
    const left = this.scalar();
    const t = this.peek;
    if (t.kind === 'op') {
      this.next();
      const right = this.scalar();
      return { kind: 'cmp', op: t.text, left, right, pos: t.pos };
    }
    if (t.kind === 'ident') {
      const pos = t.pos;
      let not = false;
      if (this.isKw(t, 'IS')) {
        this.next();
        not = this.acceptKw('NOT');
        this.expectKw('NULL');
        return { kind: 'isnull', prop: this.asProp(left, 'IS NULL'), not, pos };
      }
      if (this.acceptKw('NOT')) not = true;
      if (this.acceptKw('LIKE')) {
        const p = this.scalar();
        if (p.kind !== 'lit' || p.type !== 'string') throw new Cql2Error('LIKE needs a string pattern', p.pos);
        return { kind: 'like', prop: this.asProp(left, 'LIKE'), pattern: p, not, pos };
      }
      if (this.acceptKw('BETWEEN')) {
        const lo = this.literal();
        this.expectKw('AND');
        const hi = this.literal();
        return { kind: 'between', prop: this.asProp(left, 'BETWEEN'), lo, hi, not, pos };
      }
      if (this.acceptKw('IN')) {
        this.expectPunct('(');
        const list: Literal[] = [this.literal()];
        while (this.peek.kind === 'punct' && this.peek.text === ',') {
          this.next();
          if (list.length >= MAX_IN_LIST) throw new Cql2Error(`IN list longer than ${MAX_IN_LIST}`, this.peek.pos);
          list.push(this.literal());
        }
        this.expectPunct(')');
        return { kind: 'in', prop: this.asProp(left, 'IN'), list, not, pos };
      }
      if (not) throw new Cql2Error(`expected LIKE, BETWEEN or IN after NOT, found ${describe(this.peek)}`, this.peek.pos);
    }
    throw new Cql2Error(`expected a comparison operator, LIKE, BETWEEN, IN or IS NULL, found ${describe(t)}`, t.pos);
  }

  private asProp(s: Scalar, what: string): PropRef {
    if (s.kind !== 'prop') throw new Cql2Error(`${what} applies to a property, not a literal`, s.pos);
    return s;
  }

  private scalar(): Scalar {
    const t = this.peek;
    if (t.kind === 'ident') {
      const up = t.text.toUpperCase();
      if (up === 'DATE' || up === 'TIMESTAMP') return this.literal();
      if (up === 'TRUE' || up === 'FALSE') return this.literal();
      if (KEYWORDS.has(up)) throw new Cql2Error(`unexpected keyword ${t.text}`, t.pos);
      if (this.toks[this.i + 1]?.kind === 'punct' && this.toks[this.i + 1].text === '(') throw new Cql2Error(`function ${t.text} is not supported`, t.pos);
      this.next();
      return { kind: 'prop', name: t.text, pos: t.pos };
    }
    if (t.kind === 'qident') { this.next(); return { kind: 'prop', name: String(t.value), pos: t.pos }; }
    return this.literal();
  }

  private literal(): Literal {
    const t = this.next();
    if (t.kind === 'string') return { kind: 'lit', type: 'string', value: String(t.value), pos: t.pos };
    if (t.kind === 'number') return { kind: 'lit', type: 'number', value: Number(t.value), pos: t.pos };
    if (t.kind === 'ident') {
      const up = t.text.toUpperCase();
      if (up === 'TRUE' || up === 'FALSE') return { kind: 'lit', type: 'boolean', value: up === 'TRUE', pos: t.pos };
      if (up === 'DATE' || up === 'TIMESTAMP') {
        this.expectPunct('(');
        const s = this.next();
        if (s.kind !== 'string') throw new Cql2Error(`${up} needs a quoted value`, s.pos);
        this.expectPunct(')');
        const v = String(s.value);
        const ok = up === 'DATE' ? /^\d{4}-\d{2}-\d{2}$/.test(v) : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v);
        if (!ok || Number.isNaN(Date.parse(v)) || new Date(`${v.slice(0, 10)}T00:00:00Z`).toISOString().slice(0, 10) !== v.slice(0, 10)) throw new Cql2Error(`invalid ${up} value ${JSON.stringify(v)}`, s.pos);
        return { kind: 'lit', type: 'timestamp', value: up === 'DATE' ? `${v}T00:00:00Z` : v, pos: t.pos };
      }
    }
    throw new Cql2Error(`expected a literal value, found ${describe(t)}`, t.pos);
  }

  // S_INTERSECTS(a, b)
  private spatial(): Expr {
    const f = this.next();
    this.expectPunct('(');
    const a = this.geomArg();
    this.expectPunct(',');
    const b = this.geomArg();
    this.expectPunct(')');
    return { kind: 'intersects', a, b, pos: f.pos };
  }

  private geomArg(): PropRef | GeomLit | BboxLit {
    const t = this.peek;
    if (t.kind === 'qident') { this.next(); return { kind: 'prop', name: String(t.value), pos: t.pos }; }
    if (t.kind !== 'ident') throw new Cql2Error(`expected a geometry (property, BBOX or WKT), found ${describe(t)}`, t.pos);
    const up = t.text.toUpperCase();
    if (up === 'BBOX') {
      this.next();
      this.expectPunct('(');
      const v: number[] = [this.num()];
      while (this.peek.kind === 'punct' && this.peek.text === ',') { this.next(); v.push(this.num()); }
      this.expectPunct(')');
      if (v.length !== 4 && v.length !== 6) throw new Cql2Error('BBOX needs 4 (or 6) numbers', t.pos);
      const box = (v.length === 6 ? [v[0], v[1], v[3], v[4]] : v) as [number, number, number, number];
      checkBox(box, t.pos);
      return { kind: 'bbox', box, pos: t.pos };
    }
    if (WKT_TYPES[up]) { this.next(); return { kind: 'geom', geojson: this.wkt(up, t.pos), pos: t.pos }; }
    this.next();
    return { kind: 'prop', name: t.text, pos: t.pos };
  }

  private num(): number {
    const t = this.next();
    if (t.kind !== 'number') throw new Cql2Error(`expected a number, found ${describe(t)}`, t.pos);
    return Number(t.value);
  }

  private position(): [number, number] {
    const pos = this.peek.pos;
    const x = this.num(), y = this.num();
    if (this.peek.kind === 'number') this.num(); // a Z value is allowed and dropped
    if (++this.coords > MAX_COORDINATES) throw new Cql2Error(`geometry with more than ${MAX_COORDINATES} coordinates`, pos);
    if (x < -180 || x > 180 || y < -90 || y > 90) throw new Cql2Error(`coordinate (${x} ${y}) outside CRS84 bounds`, pos);
    return [x, y];
  }

  private list<T>(item: () => T): T[] {
    this.expectPunct('(');
    const out = [item()];
    while (this.peek.kind === 'punct' && this.peek.text === ',') { this.next(); out.push(item()); }
    this.expectPunct(')');
    return out;
  }

  private ring(pos: number): [number, number][] {
    const r = this.list(() => this.position());
    const a = r[0], b = r[r.length - 1];
    if (r.length < 4 || a[0] !== b[0] || a[1] !== b[1]) throw new Cql2Error('a polygon ring needs at least 4 positions and must be closed', pos);
    return r;
  }

  private wkt(type: string, pos: number): { type: string; coordinates: unknown } {
    this.acceptKw('Z');
    const gt = WKT_TYPES[type];
    switch (type) {
      case 'POINT': { const p = this.list(() => this.position()); if (p.length !== 1) throw new Cql2Error('POINT needs one position', pos); return { type: gt, coordinates: p[0] }; }
      case 'LINESTRING': { const l = this.list(() => this.position()); if (l.length < 2) throw new Cql2Error('LINESTRING needs at least 2 positions', pos); return { type: gt, coordinates: l }; }
      case 'POLYGON': return { type: gt, coordinates: this.list(() => this.ring(pos)) };
      case 'MULTIPOINT': return {
        type: gt,
        coordinates: this.list(() => {
          if (this.peek.kind === 'punct' && this.peek.text === '(') { const p = this.list(() => this.position()); if (p.length !== 1) throw new Cql2Error('MULTIPOINT member needs one position', pos); return p[0]; }
          return this.position();
        }),
      };
      case 'MULTILINESTRING': return { type: gt, coordinates: this.list(() => { const l = this.list(() => this.position()); if (l.length < 2) throw new Cql2Error('LINESTRING needs at least 2 positions', pos); return l; }) };
      case 'MULTIPOLYGON': return { type: gt, coordinates: this.list(() => this.list(() => this.ring(pos))) };
      default: throw new Cql2Error(`unsupported geometry ${type}`, pos);
    }
  }
}

const WKT_TYPES: Record<string, string> = {
  POINT: 'Point', LINESTRING: 'LineString', POLYGON: 'Polygon', MULTIPOINT: 'MultiPoint', MULTILINESTRING: 'MultiLineString', MULTIPOLYGON: 'MultiPolygon',
};

function checkBox(b: [number, number, number, number], pos: number): void {
  const [w, s, e, n] = b;
  if (w < -180 || e > 180 || s < -90 || n > 90 || s > n) throw new Cql2Error('BBOX outside CRS84 bounds or south > north', pos);
}

function describe(t: Tok): string {
  return t.kind === 'eof' ? 'end of filter' : JSON.stringify(t.text.length > 40 ? t.text.slice(0, 40) + '…' : t.text);
}

export function parseCql2(text: string): Expr {
  if (text.length > MAX_FILTER_LENGTH) throw new Cql2Error(`filter longer than ${MAX_FILTER_LENGTH} characters`, MAX_FILTER_LENGTH);
  if (!text.trim()) throw new Cql2Error('empty filter', 0);
  return new Parser(tokenize(text)).parse();
}

// ---- SQL ------------------------------------------------------------------------------------------

/** Collects query parameters; `add` returns the placeholder. */
export class Params {
  readonly values: unknown[] = [];
  add(v: unknown, cast?: string): string {
    this.values.push(v);
    return `$${this.values.length}${cast ? `::${cast}` : ''}`;
  }
}

const SQL_TYPE: Record<string, string> = { string: 'text', number: 'double precision', integer: 'double precision', boolean: 'boolean', timestamp: 'timestamptz' };
const litType = (l: Literal): string => l.type;
const propKind = (t: PropType): string => (t === 'integer' ? 'number' : t);

/**
 * The WHERE fragment for a parsed filter over collection `c` (its rows are `t`); parameters are
 * appended to `params`.
 */
export function compileCql2(e: Expr, c: CollectionSpec, params: Params): string {
  const prop = (p: PropRef) => {
    if (p.name === GEOMETRY_NAME) throw new Cql2Error(`"${GEOMETRY_NAME}" can only be used in S_INTERSECTS`, p.pos);
    const spec = propertyByName(c, p.name);
    if (!spec || !queryables(c).includes(spec)) {
      throw new Cql2Error(`unknown property "${p.name.slice(0, 64)}" (queryables of ${c.id}: ${queryables(c).map((q) => q.name).join(', ')}, ${GEOMETRY_NAME})`, p.pos);
    }
    return spec;
  };
  const lit = (l: Literal, want?: string) => {
    if (want && litType(l) !== want) throw new Cql2Error(`expected a ${want} value, found a ${litType(l)}`, l.pos);
    return params.add(l.value, SQL_TYPE[l.type]);
  };
  const scalar = (s: Scalar, want?: string): { sql: string; type: string } => {
    if (s.kind === 'prop') {
      const p = prop(s);
      if (want && propKind(p.type) !== want) throw new Cql2Error(`property "${p.name}" is a ${p.type}, compared with a ${want}`, s.pos);
      return { sql: p.sql, type: propKind(p.type) };
    }
    return { sql: lit(s, want), type: litType(s) };
  };
  const walk = (x: Expr): string => {
    switch (x.kind) {
      case 'and': case 'or': return `(${x.args.map(walk).join(x.kind === 'and' ? ' AND ' : ' OR ')})`;
      case 'not': return `(NOT ${walk(x.arg)})`;
      case 'bool': return x.value ? 'TRUE' : 'FALSE';
      case 'cmp': {
        // the property decides the type; two literals must agree
        const first = x.left.kind === 'prop' ? scalar(x.left) : x.right.kind === 'prop' ? null : scalar(x.left);
        let l: { sql: string; type: string }, r: { sql: string; type: string };
        if (first) { l = first; r = scalar(x.right, first.type); } else { r = scalar(x.right); l = scalar(x.left, r.type); }
        if ((l.type === 'boolean' || l.type === 'object') && !['=', '<>'].includes(x.op)) throw new Cql2Error(`operator ${x.op} does not apply to ${l.type} values`, x.pos);
        return `(${l.sql} ${x.op} ${r.sql})`;
      }
      case 'like': {
        const p = prop(x.prop);
        if (p.type !== 'string') throw new Cql2Error(`LIKE needs a string property; "${p.name}" is a ${p.type}`, x.prop.pos);
        return `(${p.sql} ${x.not ? 'NOT LIKE' : 'LIKE'} ${lit(x.pattern, 'string')})`;
      }
      case 'between': {
        const p = prop(x.prop);
        const k = propKind(p.type);
        if (k !== 'number' && k !== 'string' && k !== 'timestamp') throw new Cql2Error(`BETWEEN does not apply to ${p.type} property "${p.name}"`, x.prop.pos);
        return `(${p.sql} ${x.not ? 'NOT BETWEEN' : 'BETWEEN'} ${lit(x.lo, k)} AND ${lit(x.hi, k)})`;
      }
      case 'in': {
        const p = prop(x.prop);
        const k = propKind(p.type);
        for (const l of x.list) if (litType(l) !== k) throw new Cql2Error(`IN list of "${p.name}" needs ${p.type} values`, l.pos);
        return `(${p.sql} ${x.not ? '<> ALL' : '= ANY'}(${params.add(x.list.map((l) => l.value), `${SQL_TYPE[k]}[]`)}))`;
      }
      case 'isnull': return `(${prop(x.prop).sql} IS ${x.not ? 'NOT ' : ''}NULL)`;
      case 'intersects': {
        const side = (g: PropRef | GeomLit | BboxLit): { sql: string; isProp: boolean } => {
          if (g.kind === 'prop') {
            if (g.name !== GEOMETRY_NAME) throw new Cql2Error(`S_INTERSECTS needs the geometry ("${GEOMETRY_NAME}"), not "${g.name.slice(0, 64)}"`, g.pos);
            return { sql: c.geometry.sql, isProp: true };
          }
          if (g.kind === 'bbox') {
            const [w, s, e2, n] = g.box;
            return { sql: `ST_MakeEnvelope(${params.add(w, 'float8')}, ${params.add(s, 'float8')}, ${params.add(e2, 'float8')}, ${params.add(n, 'float8')}, 4326)`, isProp: false };
          }
          return { sql: `ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(${params.add(JSON.stringify(g.geojson), 'text')}), 4326))`, isProp: false };
        };
        const a = side(x.a), b = side(x.b);
        if (!a.isProp && !b.isProp) throw new Cql2Error(`S_INTERSECTS needs the property "${GEOMETRY_NAME}" on one side`, x.pos);
        // the geometry against a literal: through the index when the geometry is computed (facility points)
        if (a.isProp !== b.isProp) return `(${intersects(c, a.isProp ? b.sql : a.sql)})`;
        return `ST_Intersects(${a.sql}, ${b.sql})`;
      }
    }
  };
  return walk(e);
}
