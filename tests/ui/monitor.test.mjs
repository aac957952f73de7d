import assert from 'node:assert/strict';
import { before } from 'node:test';
import { baseUrl, createProject, eventually, logSpans, signIn, uiTest } from '#ui';

// Traces logged at known times (an explicit `created`), relative to the start of the current hour so each falls in
// a known bucket. r1-r3 share an hour two hours ago, each with an LLM child span carrying tokens and cost (children
// must not count as requests); r4 is alone five hours ago; r5 and r6 are days old; r7 is ten minutes old.
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const now = Date.now();
const hour = floor(now, 'hour').getTime();
const roots = [
  { id: 'r1', at: hour - 2 * HOUR + 5 * MINUTE, duration: 1, accuracy: 1, llm: { prompt: 10, completion: 5, cost: 0.01 } },
  { id: 'r2', at: hour - 2 * HOUR + 6 * MINUTE, duration: 2, accuracy: 0.5, llm: { prompt: 20, completion: 10, cost: 0.02 } },
  { id: 'r3', at: hour - 2 * HOUR + 7 * MINUTE, duration: 3, accuracy: 0 },
  { id: 'r4', at: hour - 5 * HOUR + 30 * MINUTE, duration: 0.5, accuracy: 0 },
  { id: 'r5', at: now - 3 * DAY, duration: 1 },
  { id: 'r6', at: now - 10 * DAY, duration: 1 },
  { id: 'r7', at: now - 10 * MINUTE, duration: 1 },
];

let project;
before(async () => {
  project = await createProject();
  const spans = roots.flatMap((r) => {
    const start = r.at / 1000;
    const root = { id: r.id, span_id: r.id, root_span_id: r.id, created: new Date(r.at).toISOString(),
      span_attributes: { name: 'request', type: 'task' }, metrics: { start, end: start + r.duration },
      scores: r.accuracy === undefined ? undefined : { accuracy: r.accuracy } };
    if (!r.llm) return [root];
    return [root, { id: `${r.id}-llm`, span_id: `${r.id}-llm`, root_span_id: r.id, span_parents: [r.id],
      created: new Date(r.at + 100).toISOString(), span_attributes: { name: 'chat', type: 'llm' },
      metrics: { start: start + 0.1, end: start + 0.5, prompt_tokens: r.llm.prompt, completion_tokens: r.llm.completion,
        tokens: r.llm.prompt + r.llm.completion, estimated_cost: r.llm.cost } }];
  });
  await logSpans(project.id, spans);
});
const monitorPath = (query = '') => `/app/projects/${project.id}/monitor${query}`;

/** Signs in, then opens `path` in the same tab (the key stays in its sessionStorage). */
async function open(page, path) {
  await signIn(page);
  await page.goto(baseUrl + path);
  await page.getByRole('heading', { name: 'Monitor' }).waitFor();
}

/** The start of the minute, hour or local day `t` falls in, as the page buckets. */
function floor(t, unit) {
  const d = new Date(t);
  d.setSeconds(0, 0);
  if (unit !== 'minute') d.setMinutes(0);
  if (unit === 'day') d.setHours(0);
  return d;
}

// A bucket as the page names it, formatted by the browser itself (its locale data and time zone).
const LABELS = {
  minute: { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
  hour: { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
  day: { month: 'short', day: 'numeric' },
};
const label = (page, t, unit) => page.evaluate(([time, options]) => new Date(time).toLocaleString('en-US', options), [floor(t, unit).getTime(), LABELS[unit]]);

const titles = (page, selector) => page.locator(selector).evaluateAll((els) => els.map((el) => el.textContent));
const bars = (page, chart) => titles(page, `[data-chart="${chart}"] rect.bar > title`);
const points = (page, chart) => titles(page, `[data-chart="${chart}"] circle.point > title`);
const nonZero = (list) => list.filter((t) => !/: (0|\$0\.0000)$/.test(t));

/** "<bucket> · Requests: n" for each bucket holding roots at or after `since`, oldest first. */
async function expectedRequests(page, unit, since) {
  const counts = new Map();
  for (const r of roots.filter((x) => x.at >= since)) {
    const key = floor(r.at, unit).getTime();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const keys = [...counts.keys()].sort((a, b) => a - b);
  return Promise.all(keys.map(async (key) => `${await label(page, key, unit)} · Requests: ${counts.get(key)}`));
}

uiTest('the monitor counts requests (root spans only) per hour of the last day, empty hours at zero', async (page) => {
  await open(page, monitorPath());
  await page.locator('[data-chart="requests"] svg').waitFor();
  const all = await bars(page, 'requests');
  assert.equal(all.length, 24);
  assert.deepEqual(nonZero(all), await expectedRequests(page, 'hour', hour - 23 * HOUR));
  assert.equal(all.filter((t) => t.endsWith(': 0')).length, 24 - nonZero(all).length);
  assert.equal(await page.getByRole('button', { name: 'Last 24 hours' }).getAttribute('aria-pressed'), 'true');
  assert.equal(await page.getByRole('link', { name: 'Monitor' }).getAttribute('aria-current'), 'page');
});

uiTest('latency, tokens, cost and scores show each hour\'s average, p95 and sums', async (page) => {
  await open(page, monitorPath());
  await page.locator('[data-chart="scores"] circle.point').first().waitFor();
  const busy = await label(page, hour - 2 * HOUR, 'hour');
  const quiet = await label(page, hour - 5 * HOUR, 'hour');
  const at = async (chart, bucket) => (await points(page, chart)).filter((t) => t.startsWith(`${bucket} · `));

  // r1-r3 took 1s, 2s and 3s: average 2s, p95 (interpolated, as percentile_cont) 2.9s.
  assert.deepEqual(await at('latency', busy), [`${busy} · Average: 2.00s`, `${busy} · p95: 2.90s`]);
  assert.deepEqual(await at('latency', quiet), [`${quiet} · Average: 500ms`, `${quiet} · p95: 500ms`]);
  assert.deepEqual(await at('tokens', busy), [`${busy} · Prompt: 30`, `${busy} · Completion: 15`, `${busy} · Total: 45`]);
  assert.deepEqual(await at('tokens', quiet), [`${quiet} · Prompt: 0`, `${quiet} · Completion: 0`, `${quiet} · Total: 0`]);
  assert.deepEqual(nonZero(await bars(page, 'cost')), [`${busy} · Cost: $0.03`]);
  assert.deepEqual(await points(page, 'scores'), [`${quiet} · accuracy: 0.0%`, `${busy} · accuracy: 50.0%`]);
  // An hour without traces is a gap in the latency line, not a zero.
  assert.equal((await points(page, 'latency')).length, 2 * new Set(roots.filter((r) => r.at >= hour - 23 * HOUR).map((r) => floor(r.at, 'hour').getTime())).size);
});

uiTest('the range picker redraws the charts by day over 30 days and by minute over the last hour', async (page) => {
  await open(page, monitorPath());
  await page.locator('[data-chart="requests"] svg').waitFor();
  await page.getByRole('button', { name: 'Last 30 days' }).click();
  await eventually(async () => (await bars(page, 'requests')).length, 30);
  assert.equal(new URL(page.url()).searchParams.get('range'), '30d');
  assert.deepEqual(nonZero(await bars(page, 'requests')), await expectedRequests(page, 'day', floor(now, 'day').getTime() - 29 * DAY));

  await page.getByRole('button', { name: 'Last hour' }).click();
  await eventually(async () => (await bars(page, 'requests')).length, 60);
  assert.deepEqual(nonZero(await bars(page, 'requests')), await expectedRequests(page, 'minute', floor(now, 'minute').getTime() - 59 * MINUTE));
});

uiTest('a project without logs shows empty charts and says it has no scores', async (page) => {
  const empty = await createProject();
  await open(page, `/app/projects/${empty.id}/monitor`);
  await page.locator('[data-chart="scores"]').getByText('No scores logged in this range.').waitFor();
  assert.deepEqual(nonZero(await bars(page, 'requests')), []);
  assert.equal(await page.locator('[data-chart="latency"] circle.point').count(), 0);
});
