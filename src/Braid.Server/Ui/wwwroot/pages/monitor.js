import { api, literal } from '../api.js';
import { h, replace } from '../dom.js';
import { cost, count, percent, seconds } from '../format.js';
import { chart } from '../components/chart.js';
import { projectNav, projectPath } from '../components/project-nav.js';

// The ranges the picker offers, each with the bucket its charts use (BTQL's minute()/hour()/day() of created).
const RANGES = [
  { key: '1h', label: 'Last hour', unit: 'minute', buckets: 60 },
  { key: '24h', label: 'Last 24 hours', unit: 'hour', buckets: 24 },
  { key: '7d', label: 'Last 7 days', unit: 'hour', buckets: 168 },
  { key: '30d', label: 'Last 30 days', unit: 'day', buckets: 30 },
];
const DEFAULT_RANGE = '24h';
const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
// Rows of the scores query: one per bucket and score name (168 hourly buckets of a week hold 29 scores).
const SCORE_ROWS = 5000;

/**
 * The project's logs over time: requests, latency, tokens, cost and scores per bucket, each number from a /btql
 * aggregation (one query per chart family), so the page costs the same on a million spans as on ten.
 */
export async function renderMonitor(page, { params, query, isCurrent, navigate, setContext }) {
  const { projectId } = params;
  const range = RANGES.find((r) => r.key === query.get('range')) ?? RANGES.find((r) => r.key === DEFAULT_RANGE);
  const base = projectPath(projectId, 'monitor');

  const project = await api.project(projectId);
  if (!isCurrent()) return;
  setContext([{ label: project.name, href: projectPath(projectId, 'logs') }, { label: 'Monitor' }]);

  const starts = bucketStarts(range);
  const labels = starts.map((start) => bucketLabel(start, range.unit));
  const slots = { requests: slot(), latency: slot(), tokens: slot(), cost: slot(), scores: slot() };
  replace(page, projectNav(projectId, 'monitor'),
    h('div', { class: 'toolbar' }, h('h1', { text: 'Monitor' }),
      h('div', { class: 'segmented', role: 'group', 'aria-label': 'Time range' }, RANGES.map((r) =>
        h('button', { type: 'button', 'aria-pressed': String(r === range), text: r.label,
          onclick: () => navigate(r.key === DEFAULT_RANGE ? base : `${base}?range=${r.key}`) })))),
    h('div', { class: 'charts' }, Object.values(slots)));

  // Buckets start at local minutes, hours and midnights: tz_offset makes the server's buckets the same ones.
  const source = `from: project_logs(${literal(projectId)})`;
  // Bounded at both ends, at bucket starts: rows dated ahead of the clock stay out of the charts, and whole buckets
  // let the server answer from its hourly rollups.
  const end = new Date(starts[starts.length - 1]);
  if (range.unit === 'minute') end.setMinutes(end.getMinutes() + 1);
  else if (range.unit === 'hour') end.setHours(end.getHours() + 1);
  else end.setDate(end.getDate() + 1);
  const since = `created >= ${literal(starts[0].toISOString())} and created < ${literal(end.toISOString())}`;
  const grouped = (measures, filter) =>
    `dimensions: ${range.unit}(created) as bucket | measures: ${measures} | ${source} | filter: ${filter} | limit: ${range.buckets + 1}`;

  // Only root spans are requests; a trace's duration is its root span's.
  const roots = show([slots.requests, slots.latency], grouped(
    'count(1) as requests, avg(metrics.end - metrics.start) as avg_duration, approx_percentile(metrics.end - metrics.start, 0.95) as p95_duration',
    `is_root and ${since}`), (data) => {
    const rows = aligned(data);
    replace(slots.requests, chart({ id: 'requests', title: 'Requests', kind: 'bar', buckets: labels, format: count,
      series: [{ name: 'Requests', values: column(rows, 'requests', 0) }] }));
    replace(slots.latency, chart({ id: 'latency', title: 'Latency', buckets: labels, format: seconds,
      series: [{ name: 'Average', values: column(rows, 'avg_duration') }, { name: 'p95', values: column(rows, 'p95_duration') }] }));
  });
  // Tokens and cost are logged on the LLM spans inside a trace, so every span counts here.
  const usage = show([slots.tokens, slots.cost], grouped(
    'sum(metrics.prompt_tokens) as prompt_tokens, sum(metrics.completion_tokens) as completion_tokens, sum(metrics.tokens) as tokens, sum(metrics.estimated_cost) as cost',
    since), (data) => {
    const rows = aligned(data);
    replace(slots.tokens, chart({ id: 'tokens', title: 'Tokens', buckets: labels, format: count, series: [
      { name: 'Prompt', values: column(rows, 'prompt_tokens', 0) },
      { name: 'Completion', values: column(rows, 'completion_tokens', 0) },
      { name: 'Total', values: column(rows, 'tokens', 0) }] }));
    replace(slots.cost, chart({ id: 'cost', title: 'Cost', kind: 'bar', buckets: labels, format: cost, axisFormat: dollars,
      series: [{ name: 'Cost', values: column(rows, 'cost', 0) }] }));
  });
  await Promise.all([roots, usage, scores()]);

  // Every score's average per bucket in one aggregation: unpivot makes a row per bucket and score name.
  async function scores() {
    const text = `${source} | unpivot: scores as (score, value) | dimensions: ${range.unit}(created) as bucket, score | ` +
      `measures: avg(value) as mean | filter: ${since} | limit: ${SCORE_ROWS}`;
    await show([slots.scores], text, (data) => {
      const names = [...new Set(data.map((row) => row.score))].sort();
      if (names.length === 0) {
        replace(slots.scores, h('figure', { class: 'chart card', dataset: { chart: 'scores' } },
          h('figcaption', {}, h('span', { class: 'chart-title', text: 'Scores' })),
          h('p', { class: 'muted empty', text: 'No scores logged in this range.' })));
        return;
      }
      replace(slots.scores, chart({ id: 'scores', title: 'Scores', buckets: labels, format: percent,
        series: names.map((name) => ({ name, values: column(aligned(data.filter((row) => row.score === name)), 'mean') })) }));
    });
  }

  async function show(targets, text, draw) {
    let result;
    try {
      result = await api.aggregate(text);
    } catch (e) {
      if (isCurrent()) showError(targets, e);
      return;
    }
    if (isCurrent()) draw(result.data);
  }

  /**
   * The grouped rows placed at their buckets, null where a bucket has none. A row goes to the nearest bucket start:
   * the server buckets days at one fixed UTC offset, so across a daylight-saving change its midnights are an hour
   * off the browser's.
   */
  function aligned(rows) {
    const out = starts.map(() => null);
    for (const row of rows) {
      const time = new Date(row.bucket).getTime();
      const diffs = starts.map((start) => Math.abs(start.getTime() - time));
      const nearest = diffs.indexOf(Math.min(...diffs));
      if (diffs[nearest] < UNIT_MS[range.unit] / 2) out[nearest] = row;
    }
    return out;
  }

  /** One value per bucket from aligned rows; a bucket without a value holds `empty` (0, or null for a gap). */
  function column(rows, name, empty = null) {
    return rows.map((row) => (typeof row?.[name] === 'number' ? row[name] : empty));
  }
}

// An axis tick in dollars to two significant digits: $0.025 rather than cost()'s rounded $0.03.
function dollars(value) {
  return value === 0 ? '$0' : `$${Number(value.toPrecision(2))}`;
}

function slot() {
  return h('div', { class: 'chart-slot' }, h('p', { class: 'muted', text: 'Loading…' }));
}

function showError(targets, error) {
  for (const target of targets) replace(target, h('p', { class: 'error', role: 'alert', text: error.message }));
}

/** The start of every bucket of the range, oldest first, ending with the bucket now falls in (in local time). */
function bucketStarts({ unit, buckets }) {
  const last = new Date();
  last.setSeconds(0, 0);
  if (unit !== 'minute') last.setMinutes(0);
  if (unit === 'day') last.setHours(0);
  return Array.from({ length: buckets }, (_, i) => {
    const start = new Date(last);
    const back = buckets - 1 - i;
    if (unit === 'minute') start.setMinutes(start.getMinutes() - back);
    else if (unit === 'hour') start.setHours(start.getHours() - back);
    else start.setDate(start.getDate() - back);
    return start;
  });
}

function bucketLabel(start, unit) {
  const options = unit === 'minute' ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
    : unit === 'hour' ? { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
      : { month: 'short', day: 'numeric' };
  return start.toLocaleString('en-US', options);
}
