import assert from 'node:assert/strict';
import { before } from 'node:test';
import { eventually, signIn, tableRows, uiTest } from '#ui';
import { sampleProject } from './lib/sample.mjs';

let project;
before(async () => { project = await sampleProject(); });
const logsPath = (query = '') => `/app/projects/${project.id}/logs${query}`;

// Columns: Created, Name, Input, Output, Scores, Tokens, Cost, Duration, Tags. Created is a local time, so left out;
// previews are cut from the stored JSON text, which PostgreSQL spaces ({"a": 1}) and SQLite does not ({"a":1}).
const compact = (text) => text.replace(/": /g, '":');
const withoutCreated = (rows) => rows.map((cells) => cells.slice(1).map((cell, i) => (i === 1 ? compact(cell) : cell)));
const inputs = async (page) => (await tableRows(page)).map((cells) => compact(cells[2]));

uiTest('the logs page lists traces newest first with previews, scores, tokens, cost, duration and tags', async (page) => {
  await signIn(page, logsPath());
  await page.locator('table.logs tbody tr').first().waitFor();
  assert.deepEqual(withoutCreated(await tableRows(page)), [
    ['summarize', '{"question":"Summarize the report"}', 'Error: timeout after 30s', 'accuracy 0.0%', '', '', '30.00s', 'prod'],
    ['answer-question', '{"question":"Capital of France?"}', 'Paris', 'accuracy 50.0%', '1,000', '$0.02', '3.00s', 'geo prod'],
    ['answer-question', '{"question":"What is 2+2?"}', 'The answer is 4', 'accuracy 100.0%', '25', '$0.0005', '2.00s', 'math'],
  ]);
});

uiTest('a filter narrows the traces and stays in the URL', async (page) => {
  await signIn(page, logsPath());
  await page.getByLabel('Filter').fill("tags includes 'prod' and scores.accuracy > 0.2");
  await page.getByRole('button', { name: 'Apply' }).click();
  await eventually(() => inputs(page), ['{"question":"Capital of France?"}']);
  assert.equal(new URL(page.url()).searchParams.get('filter'), "tags includes 'prod' and scores.accuracy > 0.2");

  await page.getByRole('button', { name: 'Clear' }).click();
  await eventually(async () => (await tableRows(page)).length, 3);
});

uiTest('a filter that does not parse shows the server\'s message beside the box', async (page) => {
  await signIn(page, logsPath());
  await page.getByLabel('Filter').fill('scores.accuracy >');
  await page.getByRole('button', { name: 'Apply' }).click();
  await eventually(() => page.locator('#filter-error').innerText(), 'expected an expression but found end of query (at column 18 of the filter)');
  assert.equal(await page.getByLabel('Filter').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('table.logs').count(), 0);
});

uiTest('pages continue with Older and come back with Newer', async (page) => {
  await signIn(page, logsPath('?limit=2'));
  await eventually(() => inputs(page),
    ['{"question":"Summarize the report"}', '{"question":"Capital of France?"}']);
  await page.getByRole('button', { name: 'Older →' }).click();
  await eventually(() => inputs(page), ['{"question":"What is 2+2?"}']);
  assert.equal(await page.getByRole('button', { name: 'Older →' }).isDisabled(), true);
  await page.getByRole('button', { name: '← Newer' }).click();
  await eventually(async () => (await tableRows(page)).length, 2);
  assert.equal(await page.getByRole('button', { name: '← Newer' }).isDisabled(), true);
});

uiTest('clicking a row opens its trace', async (page) => {
  await signIn(page, logsPath());
  await page.getByRole('cell', { name: 'Paris' }).click();
  await page.getByRole('tree', { name: 'Spans' }).waitFor();
  assert.equal(new URL(page.url()).pathname, `/app/projects/${project.id}/logs/qa-2`);
});
