import assert from 'node:assert/strict';
import { before } from 'node:test';
import { api, baseUrl, eventually, signIn, uiTest } from '#ui';
import { experimentsProject } from './lib/experiments.mjs';

let project;
let byName;
before(async () => { ({ project, byName } = await experimentsProject()); });
const experimentPath = (name, query = '') => `/app/projects/${project.id}/experiments/${byName[name].id}${query}`;

/** Signs in, then opens `path` in the same tab (the key stays in its sessionStorage). */
async function open(page, path) {
  await signIn(page);
  await page.goto(baseUrl + path);
}

// A table's cells, row by row, whitespace collapsed (a compared score reads "100.0% ▲ +50.0% base 50.0%"); previews
// are cut from the stored JSON text, which PostgreSQL spaces ({"a": 1}) and SQLite does not ({"a":1}).
const cells = (page, table) => page.locator(`table.${table} tbody tr`).evaluateAll((rows) => rows.map((r) =>
  [...r.querySelectorAll('td')].map((td) => td.innerText.replace(/\s+/g, ' ').trim().replace(/": /g, '":'))));

uiTest('the experiments list shows each experiment newest first with its commit, row count and score averages', async (page) => {
  await signIn(page);
  const requests = [];
  page.on('request', (r) => { if (r.resourceType() === 'fetch') requests.push(new URL(r.url()).pathname); });
  await page.goto(`${baseUrl}/app/projects/${project.id}/experiments`);
  await page.locator('table.experiments tbody tr').first().waitFor();
  // However many experiments: the project, its experiments, and two /btql aggregations over all of them.
  assert.deepEqual(requests.sort(), ['/btql', '/btql', `/v1/experiment`, `/v1/project/${project.id}`]);
  assert.deepEqual(await page.locator('table.experiments th').allInnerTexts(),
    ['Experiment', 'Created', 'Commit', 'Metadata', 'Rows', 'accuracy', 'fluency']);
  // Created is a local time, so left out.
  assert.deepEqual((await cells(page, 'experiments')).map(([name, , ...rest]) => [name, ...rest]), [
    ['exp-c', '', '', '1', '75.0%', ''],
    ['exp-b', 'abc1234 (main)', '{"model":"gpt-4o"}', '4', '50.0%', '80.0%'],
    ['exp-a', '', '', '3', '66.7%', ''],
  ]);
  assert.equal(await page.locator('.tabs [aria-current="page"]').innerText(), 'Experiments');
});

uiTest('each score has a sparkline of its average across experiments, oldest first, each point naming its experiment', async (page) => {
  await open(page, `/app/projects/${project.id}/experiments`);
  const charts = page.getByRole('region', { name: 'Scores across experiments' });
  await charts.locator('figure').first().waitFor();
  assert.deepEqual(await charts.locator('figcaption').allInnerTexts(), ['accuracy', 'fluency']);
  const points = (score) => charts.locator(`figure[data-score="${score}"] circle`);
  assert.deepEqual(await points('accuracy').evaluateAll((cs) => cs.map((c) => c.querySelector('title').textContent)),
    ['exp-a: 66.7%', 'exp-b: 50.0%', 'exp-c: 75.0%']);
  // Higher averages sit higher: exp-c above exp-a above exp-b.
  const heights = await points('accuracy').evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('cy'))));
  assert.ok(heights[2] < heights[0] && heights[0] < heights[1], `cy ${heights}`);
  // Only exp-b has a fluency score: one point, placed where exp-b is on the accuracy chart.
  assert.deepEqual(await points('fluency').evaluateAll((cs) => cs.map((c) => c.getAttribute('aria-label'))), ['exp-b: 80.0%']);
  assert.equal(await points('fluency').getAttribute('cx'), await points('accuracy').nth(1).getAttribute('cx'));
  await points('accuracy').nth(2).focus();
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'exp-c: 75.0%');
});

uiTest('an experiment lists its rows with input, output, expected, scores, tokens, cost and duration, and opens a row\'s trace', async (page) => {
  await open(page, experimentPath('exp-b', '?compare=none'));
  await page.locator('table.experiment-rows tbody tr').first().waitFor();
  assert.deepEqual(await page.locator('.score-card').evaluateAll((cs) => cs.map((c) => c.innerText.replace(/\s+/g, ' ').trim())),
    ['accuracy 50.0%', 'fluency 80.0%']);
  assert.deepEqual(await page.locator('table.experiment-rows th').allInnerTexts(),
    ['Input', 'Output', 'Expected', 'accuracy', 'fluency', 'Tokens', 'Cost', 'Duration']);
  assert.deepEqual(await cells(page, 'experiment-rows'), [
    ['{"question":"What is 2+2?"}', '4', '4', '100.0%', '80.0%', '25', '$0.0005', '1.50s'],
    ['{"question":"Capital of France?"}', 'Lyon', 'Paris', '50.0%', '', '', '', ''],
    ['{"question":"Largest ocean?"}', 'Pacific', 'Pacific', '50.0%', '', '', '', ''],
    ['{"question":"Speed of light?"}', 'fast', '299,792 km/s', '0.0%', '', '', '', ''],
  ]);

  await page.getByRole('cell', { name: 'Lyon' }).click();
  await page.getByRole('tree', { name: 'Spans' }).waitFor();
  assert.equal(new URL(page.url()).pathname, `${experimentPath('exp-b')}/b-france`);
  await page.getByRole('region', { name: 'Span details' }).getByText('"Lyon"').waitFor();
  assert.equal(await page.locator('.tabs [aria-current="page"]').innerText(), 'Experiments');
});

uiTest('compared with the previous experiment, matched rows show the base score and the difference, green when better and red when worse', async (page) => {
  await open(page, experimentPath('exp-b'));
  await page.locator('table.experiment-rows tbody tr').first().waitFor();
  assert.equal(await page.getByLabel('Compare with').inputValue(), byName['exp-a'].id);
  const accuracy = page.locator('.score-card[data-score="accuracy"]');
  assert.equal((await accuracy.innerText()).replace(/\s+/g, ' ').trim(), 'accuracy 50.0% ▼ -16.7% vs exp-a: 1 improved, 1 regressed');
  assert.match(await accuracy.getAttribute('class'), /regressed/);

  await eventually(async () => (await cells(page, 'experiment-rows')).map((r) => [r[0], r[3], r[8]]), [
    ['{"question":"What is 2+2?"}', '100.0% ▲ +50.0% base 50.0%', 'matched on input'],
    ['{"question":"Capital of France?"}', '50.0% ▼ -50.0% base 100.0%', 'matched on input'],
    ['{"question":"Largest ocean?"}', '50.0% base 50.0%', 'matched on input'],
    ['{"question":"Speed of light?"}', '0.0%', 'no base row'],
  ]);
  const trends = await page.locator('td.score-cell[data-score="accuracy"]').evaluateAll((tds) =>
    tds.map((td) => ['improved', 'regressed', 'same'].find((c) => td.classList.contains(c)) ?? ''));
  assert.deepEqual(trends, ['improved', 'regressed', 'same', '']);
  const colors = await page.locator('td.score-cell.improved, td.score-cell.regressed').evaluateAll((tds) =>
    tds.map((td) => getComputedStyle(td).backgroundColor));
  assert.deepEqual(colors, ['rgb(231, 245, 236)', 'rgb(253, 236, 234)']);
});

uiTest('picking another experiment to compare with matches the rows against it, and "Nothing" drops the comparison', async (page) => {
  await open(page, experimentPath('exp-b'));
  await page.locator('table.experiment-rows tbody tr').first().waitFor();
  await page.getByLabel('Compare with').selectOption({ label: 'exp-c' });
  await eventually(() => new URL(page.url()).search, `?compare=${byName['exp-c'].id}`);
  await eventually(async () => (await cells(page, 'experiment-rows')).map((r) => r[8]),
    ['matched on input', 'no base row', 'no base row', 'no base row']);
  assert.equal((await cells(page, 'experiment-rows'))[0][3], '100.0% ▲ +25.0% base 75.0%');

  await page.getByLabel('Compare with').selectOption({ label: 'Nothing' });
  await eventually(async () => (await page.locator('table.experiment-rows th').allInnerTexts()).includes('Base'), false);
  assert.equal(new URL(page.url()).search, '?compare=none');
});

uiTest('the experiment link the SDK prints opens that experiment\'s page', async (page) => {
  const summary = await api('GET', `/v1/experiment/${byName['exp-b'].id}/summarize`);
  const me = await api('POST', '/api/self/me');
  const link = new URL(summary.experiment_url);
  // The format the official SDK prints after an Eval: <app_url>/app/<org>/p/<project>/experiments/<experiment>.
  assert.equal(link.pathname, `/app/${encodeURIComponent(me.organizations[0].name)}/p/${encodeURIComponent(project.name)}/experiments/exp-b`);

  await open(page, link.pathname);
  await page.getByRole('heading', { name: 'exp-b' }).waitFor();
  assert.equal(new URL(page.url()).pathname, experimentPath('exp-b'));
  // The link's address was replaced, not kept in the history: going back leaves it behind.
  await page.goBack();
  await eventually(() => new URL(page.url()).pathname, '/app/');
});

uiTest('each page of a compared experiment finds the base rows for its own inputs', async (page) => {
  await open(page, experimentPath('exp-b', '?limit=3'));
  await eventually(async () => (await cells(page, 'experiment-rows')).map((r) => [r[0], r[8]]), [
    ['{"question":"What is 2+2?"}', 'matched on input'],
    ['{"question":"Capital of France?"}', 'matched on input'],
    ['{"question":"Largest ocean?"}', 'matched on input'],
  ]);
  await page.getByRole('button', { name: 'Next →' }).click();
  await eventually(async () => (await cells(page, 'experiment-rows')).map((r) => [r[0], r[3], r[8]]), [
    ['{"question":"Speed of light?"}', '0.0%', 'no base row'],
  ]);
  assert.equal(await page.getByRole('button', { name: 'Next →' }).isDisabled(), true);
  await page.getByRole('button', { name: '← Previous' }).click();
  await page.getByRole('row').filter({ hasText: 'Largest ocean?' }).getByRole('link', { name: 'matched on input' }).click();
  await page.getByRole('tree', { name: 'Spans' }).waitFor();
  assert.equal(new URL(page.url()).pathname, `${experimentPath('exp-a')}/a-ocean`);
});
