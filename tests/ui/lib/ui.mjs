// What every UI test needs: the live Braid run.sh started, its API (to log data), and a headless Chromium page.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const baseUrl = need('BRAID_URL');
export const apiKey = need('BRAID_API_KEY');
const failures = process.env.BRAID_UI_FAILURES ?? join(process.cwd(), 'failures');

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the UI tests through tests/ui/run.sh`);
  return value;
}

/** A call to Braid's API with the run's key; a non-2xx answer throws with its message. */
export async function api(method, path, body) {
  const response = await fetch(baseUrl + path, {
    method,
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export const unique = (prefix) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

export async function createProject(name = unique('ui')) {
  return api('POST', '/v1/project', { name });
}

/** Logs spans into a project's logs (ids are the span ids; created comes from the server). */
export async function logSpans(projectId, events) {
  await api('POST', `/v1/project_logs/${projectId}/insert`, { events });
}

let browser;
async function launch() {
  // CI runs as root, where Chromium refuses its sandbox; the pages it opens are our own server's.
  browser ??= await chromium.launch({
    executablePath: process.env.BRAID_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
  return browser;
}
after(async () => { await browser?.close(); });

/**
 * A test with a fresh browser context (so a fresh sessionStorage) and page at 1280x800. The page must not log a
 * console error (a blocked load, a CSP violation, an uncaught exception); a failing test saves a screenshot and says where.
 */
export function uiTest(name, body) {
  test(name, async () => {
    const context = await (await launch()).newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await body(page, errors);
      assert.deepEqual(errors.filter((e) => !expectedErrors.some((x) => x.test(e))), [], 'the page logged errors');
    } catch (error) {
      mkdirSync(failures, { recursive: true });
      const file = join(failures, `${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 80)}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => {});
      console.log(`screenshot of the failing page: ${file}`);
      throw error;
    } finally {
      await context.close();
    }
  });
}

// The browser logs every non-2xx fetch as a console error; the tests that provoke one (a bad filter, a wrong key) mean to.
const expectedErrors = [/Failed to load resource: the server responded with a status of (400|401)/];

/** Signs in through the sign-in form with the run's key and waits for the projects page (or a project's page). */
export async function signIn(page, path = '/app/') {
  await page.goto(baseUrl + path);
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Projects' }).or(page.getByRole('heading', { name: 'Logs' }))
    .or(page.locator('.trace')).or(page.getByRole('navigation', { name: 'Project' })).first().waitFor();
}

/** Waits until `read()` (async) returns a value deepEqual to `expected`, then asserts it (with the last value seen). */
export async function eventually(read, expected, timeoutMs = 5000) {
  const until = Date.now() + timeoutMs;
  let actual;
  for (;;) {
    actual = await read();
    try { assert.deepEqual(actual, expected); return; } catch (e) { if (Date.now() > until) throw e; }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The visible text of each cell of a table (the logs table unless told), row by row; a cell of chips (scores, tags) reads "a b". */
export async function tableRows(page, table = 'table.logs') {
  return page.locator(`${table} tbody tr`).evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => {
    const chips = [...td.querySelectorAll('.chip')];
    return chips.length > 0 ? chips.map((c) => c.innerText.trim()).join(' ') : td.innerText.trim();
  })));
}
