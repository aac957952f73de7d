// The web UI's page loads on the query benchmark's generated store (1M log spans, a 100k-span experiment), in headless
// Chromium, until the page's content shows: reached inside the app (the router swaps pages without reloading), and
// opened in a fresh browser context (no cache, so every module is fetched). Run through the benchmark, which generates or reuses the store and starts Braid:
//   ./bench/run.sh --pages        (or: dotnet bench/…/Braid.Benchmarks.dll --store sqlite --pages --cache bench/.data)
// Uses tests/ui's playwright-core and Debian's chromium (tests/ui/run.sh installs both).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(new URL('../tests/ui/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const env = (name) => process.env[name] ?? (() => { throw new Error(`${name} is not set: run through the benchmark (--pages)`); })();
const baseUrl = env('BRAID_URL');
const apiKey = env('BRAID_API_KEY');
const data = JSON.parse(readFileSync(env('BRAID_BENCH_MANIFEST'), 'utf8'));
const runs = Number(process.env.BRAID_BENCH_RUNS ?? 10);

async function api(method, path, body) {
  const response = await fetch(baseUrl + path, {
    method, headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

const p = data.ProjectId;
const newest = await api('POST', '/btql', { query: `select: root_span_id | from: project_logs('${p}') summary | limit: 1` });
const rootSpanId = newest.data[0].root_span_id;
const pages = [
  // The floor: a page that calls no API, so the rest can be read as this plus their calls.
  { name: 'sign-in (no API call: modules and drawing only)', path: '/app/sign-in', ready: 'h1:has-text("Sign in to Braid")' },
  { name: 'logs, newest 50 traces', path: `/app/projects/${p}/logs`, ready: 'table.logs tbody tr' },
  { name: "logs filtered metadata.env = 'staging' (10%)", path: `/app/projects/${p}/logs?filter=${encodeURIComponent("metadata.env = 'staging'")}`, ready: 'table.logs tbody tr' },
  { name: 'logs filtered error IS NOT NULL', path: `/app/projects/${p}/logs?filter=${encodeURIComponent('error IS NOT NULL')}`, ready: 'table.logs tbody tr' },
  { name: 'trace of the newest trace', path: `/app/projects/${p}/logs/${rootSpanId}`, ready: '.detail-pane h2' },
  { name: 'experiments list', path: `/app/projects/${p}/experiments`, ready: 'table.experiments tbody tr' },
  { name: `experiment of ${data.ExperimentSpans.toLocaleString('en-US')} spans, newest rows`,
    path: `/app/projects/${p}/experiments/${data.ExperimentId}?compare=none`, ready: 'table.experiment-rows tbody tr' },
  // Every chart drawn: no slot still says "Loading…". The first load (untimed) builds the log's rollups.
  ...['24h', '7d', '30d'].map((range) => ({ name: `monitor, last ${range}`, path: `/app/projects/${p}/monitor?range=${range}`,
    ready: () => document.querySelectorAll('.chart-slot').length > 0 && !document.querySelector('.chart-slot > p.muted') })),
];

const browser = await chromium.launch({
  executablePath: process.env.BRAID_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
});
const percentile = (times, q) => times.toSorted((a, b) => a - b)[Math.min(times.length - 1, Math.floor(q * times.length))];
const ms = (v) => `${Math.round(v).toLocaleString('en-US')} ms`;
const results = [];

/** Waits until the page shows its content. */
async function ready(tab, page) {
  if (typeof page.ready === 'function') await tab.waitForFunction(page.ready, null, { timeout: 600_000, polling: 10 });
  else await tab.locator(page.ready).first().waitFor({ timeout: 600_000 });
}

/** Counts the page's API calls and keeps the slowest one's time. */
function watchCalls(tab) {
  const seen = { calls: 0, slowest: 0 };
  tab.on('requestfinished', (r) => {
    if (!/^\/(v1|btql|api)\b/.test(new URL(r.url()).pathname)) return;
    seen.calls++;
    const t = r.timing();
    seen.slowest = Math.max(seen.slowest, t.responseEnd - t.requestStart);
  });
  return seen;
}

const newContext = async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript((key) => sessionStorage.setItem('braid.apiKey', key), apiKey);
  return context;
};

try {
  // Moving between pages inside the app, as a person does: the router swaps the page without reloading, so this is
  // the page's API calls and drawing. One tab for all of them, each load from a blank page.
  const appContext = await newContext();
  const app = await appContext.newPage();
  await app.goto(`${baseUrl}/app/bench-blank`);
  for (const page of pages) {
    const times = [];
    const slowest = [];
    let requests = 0;
    for (let run = 0; run <= runs; run++) {
      await app.evaluate(() => { history.pushState(null, '', '/app/bench-blank'); dispatchEvent(new PopStateEvent('popstate')); });
      await app.getByRole('heading', { name: 'Not found' }).waitFor();
      const seen = watchCalls(app);
      await app.evaluate((path) => {
        window.benchStart = performance.now();
        history.pushState(null, '', path);
        dispatchEvent(new PopStateEvent('popstate'));
      }, page.path);
      await ready(app, page);
      const elapsed = await app.evaluate(() => performance.now() - window.benchStart);
      app.removeAllListeners('requestfinished');
      if (run > 0) { // the first load warms the server and the store's cache
        times.push(elapsed);
        slowest.push(seen.slowest);
      }
      requests = seen.calls;
    }
    results.push({ ...page, inApp: percentile(times, 0.5), inApp95: percentile(times, 0.95), requests, call: percentile(slowest, 0.5) });
  }
  await appContext.close();

  // Opening the page from nothing: a fresh browser context (no cache, every module fetched), timed by the page's own
  // clock from the start of its navigation.
  for (const result of results) {
    const times = [];
    for (let run = 0; run < Math.min(runs, 5); run++) {
      const context = await newContext();
      const tab = await context.newPage();
      await tab.goto(baseUrl + result.path, { waitUntil: 'commit' });
      await ready(tab, result);
      times.push(await tab.evaluate(() => performance.now()));
      await context.close();
    }
    result.cold = percentile(times, 0.5);
    console.log(`  ${result.name}: in the app p50 ${ms(result.inApp)}, p95 ${ms(result.inApp95)}; opened in a new browser context p50 ${ms(result.cold)} (${result.requests} API calls, the slowest p50 ${ms(result.call)})`);
  }
} finally {
  await browser.close();
}

console.log(`\n| page (${process.env.BRAID_BENCH_STORE ?? 'store'}, ${data.LogSpans.toLocaleString('en-US')} log spans) | in the app p50 / p95 | opened in a new context p50 | API calls | slowest call p50 |`);
console.log('|---|---|---|---|---|');
for (const r of results) console.log(`| ${r.name} | ${ms(r.inApp)} / ${ms(r.inApp95)} | ${ms(r.cold)} | ${r.requests} | ${r.requests ? ms(r.call) : ''} |`);
