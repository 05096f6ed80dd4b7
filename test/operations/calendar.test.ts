import { describe, expect, it } from 'vitest';
import { WorkCalendar } from '../../src/domains/operations/calendar.js';
import { AttributeError, calendarPath, loadCatalogue, parseCatalogue, validateAttributes, remainingHours } from '../../src/domains/operations/catalogue.js';

const cal = WorkCalendar.load(calendarPath('cn-2026'));
const t = (s: string) => Date.parse(s);
const iso = (ms: number) => new Date(ms).toISOString();
const add = (s: string, h: number) => iso(cal.addWorkingHours(t(s), h));

describe('working-time calendar (cn-2026: 09:00-12:00, 13:30-18:00 +08:00)', () => {
  it('adds working hours within a day, across lunch, across a weekend', () => {
    expect(add('2026-03-02T10:00:00+08:00', 2)).toBe('2026-03-02T04:00:00.000Z');        // Mon 12:00
    expect(add('2026-03-02T11:00:00+08:00', 2)).toBe('2026-03-02T06:30:00.000Z');        // Mon 14:30
    expect(add('2026-03-06T17:00:00+08:00', 2)).toBe('2026-03-09T02:00:00.000Z');        // Fri 17:00 → Mon 10:00
    expect(add('2026-03-07T22:00:00+08:00', 0.5)).toBe('2026-03-09T01:30:00.000Z');      // Sat night → Mon 09:30
    expect(add('2026-03-02T12:30:00+08:00', 1)).toBe('2026-03-02T06:30:00.000Z');        // lunch → 14:30
    expect(add('2026-03-02T07:00:00+08:00', 7.5)).toBe('2026-03-02T10:00:00.000Z');      // a whole day ends at 18:00 that day
  });
  it('reads a date-time as people write it: dashes or slashes, T or a space; without a zone in the calendar\'s offset (UTC+8)', () => {
    const p = (s: string) => { const v = cal.parseDateTime(s); return v === null ? null : iso(v); };
    expect(p('2026-11-02 10:00')).toBe('2026-11-02T02:00:00.000Z');
    expect(p('2026/11/02 11:00')).toBe('2026-11-02T03:00:00.000Z');
    expect(p('2026/11/2 9:05:30')).toBe('2026-11-02T01:05:30.000Z');
    expect(p(' 2026-11-02T10:00:00.250 ')).toBe('2026-11-02T02:00:00.250Z');
    expect(p('2026-11-02T10:00Z')).toBe('2026-11-02T10:00:00.000Z');
    expect(p('2026/11/02 10:00 +0100')).toBe('2026-11-02T09:00:00.000Z');
    expect(p('2026-11-02T10:00:00-05:00')).toBe('2026-11-02T15:00:00.000Z');
    expect(p('2026-12-31 23:59:59')).toBe('2026-12-31T15:59:59.000Z');
    // not a real day or time, a mixed separator, no time, not a date: null
    for (const bad of ['2026-02-30 10:00', '2026/13/02 10:00', '2026-11-02 24:00', '2026-11-02 10:60', '2026-11/02 10:00', '2026-11-02', '11/02/2026 10:00', '明天上午', '']) {
      expect(p(bad), bad).toBe(null);
    }
  });
  it('skips public holidays and works make-up Saturdays (调休)', () => {
    // Fri 2026-02-13 17:00 + 8 h: 1 h Friday, Sat 02-14 is a make-up working day: 3 h + 4 h → 17:30
    expect(add('2026-02-13T17:00:00+08:00', 8)).toBe('2026-02-14T09:30:00.000Z');
    // Sat 02-14 17:00 + 2 h: 1 h, then Spring Festival 02-15..02-23, Tue 02-24 10:00
    expect(add('2026-02-14T17:00:00+08:00', 2)).toBe('2026-02-24T02:00:00.000Z');
    // Wed 09-30 17:30 + 1 h: National Day 10-01..10-07 → Thu 10-08 09:30
    expect(add('2026-09-30T17:30:00+08:00', 1)).toBe('2026-10-08T01:30:00.000Z');
    expect(cal.isWorkday('2026-02-14')).toBe(true);
    expect(cal.isWorkday('2026-02-16')).toBe(false);
    expect(cal.isWorkday('2026-03-07')).toBe(false);
  });
  it('measures working time between instants', () => {
    expect(cal.workingMsBetween(t('2026-03-06T17:00:00+08:00'), t('2026-03-09T10:00:00+08:00'))).toBe(2 * 3600_000);
    expect(cal.workingMsBetween(t('2026-03-09T10:00:00+08:00'), t('2026-03-06T17:00:00+08:00'))).toBe(-2 * 3600_000);
    expect(cal.workingMsBetween(t('2026-03-02T00:00:00+08:00'), t('2026-03-09T00:00:00+08:00'))).toBe(5 * 7.5 * 3600_000);
  });
  it('agrees with a minute-by-minute walk (independent method)', () => {
    const holidays = new Set(['2026-01-01', '2026-01-02', '2026-01-03', '2026-02-15', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20', '2026-02-21', '2026-02-22', '2026-02-23']);
    const makeup = new Set(['2026-01-04', '2026-02-14', '2026-02-28']);
    const working = (ms: number) => {
      const l = new Date(ms + 8 * 3600_000);
      const day = l.toISOString().slice(0, 10), wd = l.getUTCDay(), m = l.getUTCHours() * 60 + l.getUTCMinutes();
      const workday = makeup.has(day) || (wd !== 0 && wd !== 6 && !holidays.has(day));
      return workday && ((m >= 540 && m < 720) || (m >= 810 && m < 1080));
    };
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 40; i++) {
      const start = t('2025-12-28T00:00:00+08:00') + Math.floor(rnd() * 60 * 24 * 70) * 60_000;
      const minutes = 1 + Math.floor(rnd() * 3000);
      let at = start, left = minutes;
      while (left > 0) { if (working(at)) left--; at += 60_000; }
      expect(cal.addWorkingHours(start, minutes / 60), `${iso(start)} + ${minutes} min`).toBe(at);
    }
  });
});

describe('case classes catalogue', () => {
  const cat = loadCatalogue();
  it('ships a valid default with departments, limits and Open311 fields', () => {
    expect(cat.version).toBe('2026.1');
    const k = cat.byService.get('road_damage')!;
    expect(k.department).toBe('roads');
    expect(remainingHours(k, 'accept')).toBe(2 + 1 + 40 + 4 + 2);
    expect(remainingHours(k, 'handle')).toBe(40 + 4 + 2);
    for (const c of cat.classes) for (const kw of c.keywords) expect(kw).not.toMatch(/,/);
    expect(cat.classes.map((c) => c.service_code)).toEqual(expect.arrayContaining(['illegal_parking', 'garbage', 'street_light', 'manhole_cover', 'illegal_construction', 'group_rental', 'building_hazard', 'waterlogging']));
  });
  it('rejects a catalogue with an unknown department or a duplicate service code, naming it', () => {
    const raw = JSON.parse(JSON.stringify({ ...cat, byService: undefined }));
    raw.classes[1].department = 'nobody';
    expect(() => parseCatalogue(raw, 'city.json')).toThrow(/city.json: classes\[1\].department "nobody"/);
    raw.classes[1].department = 'roads';
    raw.classes[1].service_code = raw.classes[0].service_code;
    expect(() => parseCatalogue(raw, 'city.json')).toThrow(/appears twice/);
    delete raw.classes[0].limits.handle;
    expect(() => parseCatalogue(raw, 'city.json')).toThrow(/classes\.0\.limits\.handle/);
  });
  it('validates attribute values against their definitions', () => {
    const road = cat.byService.get('road_damage')!;
    expect(validateAttributes(road, { size: 'small', depth_cm: '12.5' })).toEqual({ size: 'small', depth_cm: 12.5 });
    expect(() => validateAttributes(road, {})).toThrow(/attribute\[size\] is required/);
    expect(() => validateAttributes(road, { size: 'huge' })).toThrow(/"huge" is not one of small, medium, large/);
    expect(() => validateAttributes(road, { size: 'small', depth_cm: 'deep' })).toThrow(/must be a number/);
    expect(validateAttributes(road, { size: 'small', uprn: '10001' })).toEqual({ size: 'small' });
    const parking = cat.byService.get('illegal_parking')!;
    expect(validateAttributes(parking, { blocks: ['footway', 'fire_lane', 'footway'] })).toEqual({ blocks: ['footway', 'fire_lane'] });
    // the error names the attribute (the hotline import turns it into a column), Chinese first, English beside
    const e = (() => { try { validateAttributes(road, { size: 'huge' }); } catch (x) { return x; } })() as AttributeError;
    expect([e instanceof AttributeError, e.attribute]).toEqual([true, 'size']);
    expect(e.message).toBe('属性 attribute[size] 的取值 "huge" 无效，应为 small, medium, large 之一 / attribute[size]: "huge" is not one of small, medium, large');
    expect(() => validateAttributes(road, {})).toThrow('类别 road_damage 必须填写属性 attribute[size]（破损面积） / attribute[size] is required for service road_damage (size of the damage)');
  });
  it('keeps a missing required attribute as unknown (null) only when asked: a report another centre already took', () => {
    const road = cat.byService.get('road_damage')!;
    expect(validateAttributes(road, {}, { missing: 'unknown' })).toEqual({ size: null });
    expect(validateAttributes(road, { size: 'small' }, { missing: 'unknown' })).toEqual({ size: 'small' });
    // an optional attribute without a value is still left out, a bad value still refused
    expect(validateAttributes(road, { depth_cm: '' }, { missing: 'unknown' })).toEqual({ size: null });
    expect(() => validateAttributes(road, { size: 'huge' }, { missing: 'unknown' })).toThrow(/not one of/);
    expect(() => validateAttributes(road, {}, { missing: 'refuse' })).toThrow(/attribute\[size\] is required/);
  });
});
