/** The dashboard: city summary, access by category, health check indicators by level, community ranking (ECharts). */
import { BarChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { getOptional, type Category, type Config, type Indicator, type Ranking, type Summary } from './api';
import { lang, t } from './i18n';
import { esc } from './panel';
import { fmtIndicator, fmtNumber } from './labels';

echarts.use([BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

const LEVELS = ['city', 'district', 'street', 'community'] as const;
/** a target's comparison as written in the report */
const OPS: Record<string, string> = { '>=': '≥', '<=': '≤', '>': '>', '<': '<', '==': '=', '=': '=' };
const charts: echarts.ECharts[] = [];

export interface DashboardData {
  summary: Summary;
  indicators: { indicators: Indicator[]; generated_at: string | null } | null;
  ranking: Ranking | null;
  report: string | null;
}

export async function loadDashboard(summary: Summary, report: string | null): Promise<DashboardData> {
  const [indicators, ranking] = await Promise.all([
    summary.health_check ? getOptional<{ indicators: Indicator[]; generated_at: string | null }>('/api/v1/indicators').catch(() => null) : Promise.resolve(null),
    summary.access ? getOptional<Ranking>('/api/v1/communities/ranking?limit=20').catch(() => null) : Promise.resolve(null),
  ]);
  return { summary, indicators, ranking, report };
}

function within(c: { residents_within: Record<string, number> }, threshold: number): { share: number; at: number } {
  const keys = Object.keys(c.residents_within).map(Number).sort((a, b) => a - b);
  const at = keys.find((k) => k >= threshold) ?? keys[keys.length - 1];
  return { share: c.residents_within[String(at)] ?? 0, at };
}

export function renderDashboard(el: HTMLElement, d: DashboardData, categories: Category[], legends: Config['legends']): void {
  const band = (v: number) => (legends.coverage.find((b) => v >= b.min) ?? legends.coverage[legends.coverage.length - 1]).color;
  for (const c of charts.splice(0)) c.dispose();
  const s = d.summary;
  const zh = lang() === 'zh';
  const card = (k: string, v: string | number) => `<div class="card"><b>${esc(typeof v === 'number' ? fmtNumber(v) : v)}</b><span>${esc(k)}</span></div>`;
  const facilities = s.counts.facilities ?? 0;
  let levelTabs = '';
  if (d.indicators && d.indicators.indicators.length) {
    const present = LEVELS.filter((l) => d.indicators!.indicators.some((i) => i.level === l));
    levelTabs = `<div class="tabs">${present.map((l, i) => `<button class="tab${i === 0 ? ' on' : ''}" data-level="${l}">${esc(t(`level_${l}` as 'level_city'))}</button>`).join('')}</div>`;
  }
  el.innerHTML = `<header class="ph"><h2>${esc(t('dashboard'))}</h2><button class="x" data-close aria-label="${esc(t('close'))}">×</button></header>
  <section><h3>${esc(t('summary'))} · ${esc(s.city_id)}</h3><div class="cards">
    ${card(t('buildings'), s.counts.buildings ?? 0)}${card(t('residential'), s.residential_buildings)}${card(t('facilities'), facilities)}${card(t('parks'), s.counts.green_spaces ?? 0)}
  </div>${d.report ? `<p><a class="btn" href="${esc(d.report)}" target="_blank" rel="noopener">${esc(t('openReport'))}</a></p>` : ''}</section>
  <section><h3>${esc(t('indicators'))}</h3>${levelTabs || `<p class="muted">${esc(t('noIndicators'))}</p>`}<div class="chart" id="chart-ind" style="${levelTabs ? '' : 'display:none'}"></div><div class="ind-table"></div></section>
  <section><h3>${esc(t('accessChart'))}</h3>${s.access ? '<div class="chart tall" id="chart-access"></div>' : `<p class="muted">${esc(t('noAccess'))}</p>`}</section>
  <section><h3>${esc(t('ranking'))}</h3>${d.ranking && d.ranking.areas.length ? '<div class="chart tall" id="chart-rank"></div>' : `<p class="muted">${esc(d.ranking ? t('noRanking') : t('noAccess'))}</p>`}</section>`;

  const font = { fontFamily: 'system-ui, "PingFang SC", "Noto Sans CJK SC", sans-serif' };
  if (s.access) {
    const byId = new Map(categories.map((c) => [c.id, c]));
    const rows = s.access.summary.categories.filter((c) => byId.get(c.id)?.living_circle && c.facilities > 0 || byId.get(c.id)?.living_circle)
      .map((c) => { const cat = byId.get(c.id)!; const w = within(c, cat.threshold_m); return { name: zh ? c.name_zh : c.name_en, share: w.share, at: w.at, has: c.facilities > 0 }; })
      .sort((a, b) => a.share - b.share);
    const chart = echarts.init(el.querySelector('#chart-access') as HTMLElement, undefined, { renderer: 'canvas' });
    charts.push(chart);
    chart.setOption({
      textStyle: font, animation: false,
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: unknown) => `${(Number(v) * 100).toFixed(1)}%` },
      xAxis: { type: 'value', max: 1, interval: 0.5, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` }, splitLine: { lineStyle: { color: '#eef1f4' } } },
      yAxis: { type: 'category', data: rows.map((r) => `${r.name} ≤${r.at}${zh ? '米' : 'm'}`), axisLabel: { fontSize: 11 } },
      series: [{
        type: 'bar', data: rows.map((r) => ({ value: r.share, itemStyle: { color: !r.has ? legends.data_gap.color : band(r.share), borderRadius: [0, 3, 3, 0] } })),
        label: { show: true, position: 'right', formatter: (p: { value: number; dataIndex: number }) => rows[p.dataIndex].has ? `${Math.round(p.value * 100)}%` : (zh ? '数据中无此类设施' : 'none in the data'), fontSize: 10 }, barMaxWidth: 14,
      }],
    });
  }
  if (d.ranking && d.ranking.areas.length) {
    const areas = [...d.ranking.areas].slice(0, 15).reverse();
    const chart = echarts.init(el.querySelector('#chart-rank') as HTMLElement);
    charts.push(chart);
    chart.setOption({
      textStyle: font, animation: false,
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: unknown) => `${(Number(v) * 100).toFixed(1)}%` },
      xAxis: { type: 'value', max: 1, interval: 0.5, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` }, splitLine: { lineStyle: { color: '#eef1f4' } } },
      yAxis: { type: 'category', data: areas.map((a) => a.name ?? a.area_id), axisLabel: { fontSize: 11 } },
      series: [{ type: 'bar', data: areas.map((a) => a.completeness), itemStyle: { color: '#1e6fd9', borderRadius: [0, 3, 3, 0] }, barMaxWidth: 14, label: { show: true, position: 'right', formatter: (p: { value: number }) => `${Math.round(p.value * 100)}%`, fontSize: 10 } }],
    });
  }
  if (levelTabs && d.indicators) {
    const show = (level: string) => {
      el.querySelectorAll('.tab').forEach((b) => b.classList.toggle('on', (b as HTMLElement).dataset.level === level));
      const order: Record<string, number> = { fail: 0, pass: 1, no_target: 2, no_data: 3 };
      const list = d.indicators!.indicators.filter((i) => i.level === level).sort((a, b) => (order[a.status ?? ''] ?? 4) - (order[b.status ?? ''] ?? 4));
      const stText = (st?: string) => st === 'pass' ? t('pass') : st === 'fail' ? t('fail') : st === 'no_target' ? (zh ? '无目标' : 'no target') : st === 'no_data' ? (zh ? '无数据' : 'no data') : st ?? '';
      const table = el.querySelector('.ind-table') as HTMLElement;
      table.innerHTML = `<table class="kv small"><tr><th>${esc(t('indicators'))}</th><th>${esc(t('value'))}</th><th>${esc(t('target'))}</th><th></th></tr>${list.slice(0, 40).map((i) =>
        `<tr><td>${esc((zh ? i.name_zh : i.name_en) ?? i.id)}${i.area_name && level !== 'city' ? ` <span class="muted">${esc(i.area_name)}</span>` : ''}</td><td class="num">${i.value === null ? '–' : esc(fmtIndicator(i.value, i.unit, i.unit_zh))}</td><td class="num">${i.target ? `${esc(OPS[i.target.op] ?? i.target.op)} ${esc(fmtIndicator(i.target.value, i.unit, i.unit_zh))}` : '–'}</td><td><span class="chip ${esc(i.status ?? '')}">${esc(stText(i.status))}</span></td></tr>`).join('')}</table>${list.length > 40 ? `<p class="muted">… ${list.length - 40}</p>` : ''}`;
      const counts = ['pass', 'fail', 'no_target', 'no_data'].map((st) => list.filter((i) => i.status === st).length);
      let chart = charts.find((c) => c.getDom().id === 'chart-ind');
      if (!chart) { chart = echarts.init(el.querySelector('#chart-ind') as HTMLElement); charts.push(chart); }
      chart.setOption({
        textStyle: font, animation: false, grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true }, tooltip: {},
        xAxis: { type: 'category', data: zh ? ['达标', '未达标', '无目标', '无数据'] : ['pass', 'fail', 'no target', 'no data'] },
        yAxis: { type: 'value', minInterval: 1 },
        series: [{ type: 'bar', data: counts.map((v, k) => ({ value: v, itemStyle: { color: ['#2e9d5b', '#d64545', '#8a94a0', '#c3c9cf'][k] } })), barMaxWidth: 36, label: { show: true, position: 'top' } }],
      });
    };
    el.querySelectorAll('.tab').forEach((b) => b.addEventListener('click', () => show((b as HTMLElement).dataset.level!)));
    show((el.querySelector('.tab') as HTMLElement).dataset.level!);
  }
}

export function resizeCharts(): void { for (const c of charts) c.resize(); }
