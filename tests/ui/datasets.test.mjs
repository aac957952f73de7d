import assert from 'node:assert/strict';
import { before } from 'node:test';
import { api, createProject, eventually, signIn, tableRows, uiTest } from '#ui';

// Each test gets a dataset of its own in one project, so no test sees another's edits.
let project;
before(async () => { project = await createProject(); });

const SAMPLE = [
  { id: 'capital-fr', input: { question: 'Capital of France?' }, expected: 'Paris', metadata: { level: 'easy' }, tags: ['geo'] },
  { id: 'sum', input: { question: 'What is 2+2?' }, expected: 4, tags: ['math', 'easy'] },
];

/** A dataset holding `records`, inserted one per request so each is its own version (the first listed is the oldest). */
async function datasetWith(name, records = SAMPLE) {
  const dataset = await api('POST', '/v1/dataset', { project_id: project.id, name });
  for (const record of records) await api('POST', `/v1/dataset/${dataset.id}/insert`, { events: [record] });
  return dataset;
}
const datasetPath = (dataset, query = '') => `/app/projects/${project.id}/datasets/${dataset.id}${query}`;

// Columns: Input, Expected, Metadata, Tags (and the Edit/Delete buttons, left out). Newest record first.
const records = async (page) => (await tableRows(page, 'table.records')).map((cells) => cells.slice(0, 4));
const SAMPLE_ROWS = [
  ['{"question":"What is 2+2?"}', '4', '', 'math easy'],
  ['{"question":"Capital of France?"}', 'Paris', '{"level":"easy"}', 'geo'],
];

uiTest('the datasets tab lists the project\'s datasets with their record counts', async (page) => {
  const own = await createProject();
  const full = await api('POST', '/v1/dataset', { project_id: own.id, name: 'qa-pairs', description: 'questions and answers' });
  await api('POST', `/v1/dataset/${full.id}/insert`, { events: [...SAMPLE, { id: 'gone', input: 'x' }] });
  await api('POST', `/v1/dataset/${full.id}/insert`, { events: [{ id: 'gone', _object_delete: true }] });
  await api('POST', '/v1/dataset', { project_id: own.id, name: 'empty-set' });

  await signIn(page, `/app/projects/${own.id}/logs`);
  await page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'Datasets' }).click();
  await page.locator('table.datasets tbody tr').first().waitFor();
  // Columns: Name, Description, Records, Created (a local time, left out); sorted, as both were created in the same moment.
  assert.deepEqual((await tableRows(page, 'table.datasets')).map((cells) => cells.slice(0, 3)).sort(), [
    ['empty-set', '', '0'],
    ['qa-pairs', 'questions and answers', '2'],
  ]);
  await page.getByRole('link', { name: 'qa-pairs' }).click();
  await eventually(() => records(page), SAMPLE_ROWS);
  assert.equal(await page.locator('#record-count').innerText(), '2 records');
});

uiTest('adding a record shows a JSON error beside its box first, then adds the record', async (page) => {
  const dataset = await datasetWith('add');
  await signIn(page, datasetPath(dataset));
  await page.getByRole('button', { name: 'Add record' }).click();
  const form = page.getByRole('form', { name: 'New record' });
  await form.getByLabel('Input (JSON)').fill('{"question": "Largest planet?"');
  await form.getByLabel('Expected (JSON)').fill('"Jupiter"');
  await form.getByLabel('Tags (comma-separated)').fill('space, new');
  await form.getByRole('button', { name: 'Add' }).click();
  assert.match(await form.locator('#new-record-input-error').innerText(), /^Input is not valid JSON: /);
  assert.equal(await form.getByLabel('Input (JSON)').getAttribute('aria-invalid'), 'true');
  assert.equal(await form.locator('#new-record-expected-error').innerText(), '');

  await form.getByLabel('Input (JSON)').fill('{"question": "Largest planet?"}');
  await form.getByRole('button', { name: 'Add' }).click();
  await eventually(() => records(page), [['{"question":"Largest planet?"}', 'Jupiter', '', 'space new'], ...SAMPLE_ROWS]);
  assert.equal(await page.locator('#record-count').innerText(), '3 records');
  assert.equal(await page.getByRole('form', { name: 'New record' }).count(), 0);
});

uiTest('editing a record replaces its fields with what was saved', async (page) => {
  const dataset = await datasetWith('edit');
  await signIn(page, datasetPath(dataset));
  const row = page.locator('tr[data-id="capital-fr"]');
  await row.getByRole('button', { name: 'Edit' }).click();
  const form = page.getByRole('form', { name: 'Edit record capital-fr' });
  assert.equal(await form.getByLabel('Expected (JSON)').inputValue(), '"Paris"');
  assert.equal(await form.getByLabel('Tags (comma-separated)').inputValue(), 'geo');
  await form.getByLabel('Expected (JSON)').fill('"Paris, France"');
  // A box left blank clears its field: the record is replaced, not merged.
  await form.getByLabel('Metadata (JSON)').fill('');
  await form.getByRole('button', { name: 'Save' }).click();
  await eventually(() => records(page), [SAMPLE_ROWS[0], ['{"question":"Capital of France?"}', 'Paris, France', '', 'geo']]);
  const { data } = await api('POST', '/btql', { query: `select: * | from: dataset('${dataset.id}') | filter: id = 'capital-fr'` });
  assert.equal(data[0].expected, 'Paris, France');
  assert.equal(data[0].metadata ?? null, null);
});

uiTest('deleting a record asks to confirm, and Cancel keeps it', async (page) => {
  const dataset = await datasetWith('delete');
  await signIn(page, datasetPath(dataset));
  const row = page.locator('tr[data-id="sum"]');
  await row.getByRole('button', { name: 'Delete' }).click();
  await row.getByText('Delete this record?').waitFor();
  await row.getByRole('button', { name: 'Cancel' }).click();
  assert.deepEqual(await records(page), SAMPLE_ROWS);

  await row.getByRole('button', { name: 'Delete' }).click();
  await row.getByRole('button', { name: 'Confirm delete' }).click();
  await eventually(() => records(page), [SAMPLE_ROWS[1]]);
  assert.equal(await page.locator('#record-count').innerText(), '1 record');
});

uiTest('a past version shows the dataset as it was, read-only, with a way back to the latest', async (page) => {
  const dataset = await datasetWith('versions');
  await api('POST', `/v1/dataset/${dataset.id}/insert`, { events: [{ id: 'sum', input: { question: 'What is 3+3?' }, expected: 6 }] });
  await api('POST', `/v1/dataset/${dataset.id}/insert`, { events: [{ id: 'capital-fr', _object_delete: true }] });
  await signIn(page, datasetPath(dataset));
  await eventually(() => records(page), [['{"question":"What is 3+3?"}', '6', '', '']]);

  // Latest, then the four versions newest first: the delete, the edit, the second insert, the first.
  const picker = page.getByLabel('Version');
  assert.deepEqual((await picker.locator('option').allInnerTexts()).map((t) => t.replace(/^.* · /, '')),
    ['Latest', '1 change', '1 change', '1 change', '1 change']);
  await picker.selectOption({ index: 3 });
  await eventually(() => records(page), SAMPLE_ROWS);
  assert.match(await page.getByRole('status').innerText(), /^Viewing the dataset as of version \d{19} .*; read-only\. Back to the latest version$/);
  assert.equal(await page.getByRole('button', { name: 'Add record' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Edit' }).count(), 0);
  assert.equal(await page.locator('#record-count').innerText(), '2 records');

  await picker.selectOption({ index: 4 });
  await eventually(() => records(page), [SAMPLE_ROWS[1]]);

  await page.getByRole('link', { name: 'Back to the latest version' }).click();
  await eventually(() => records(page), [['{"question":"What is 3+3?"}', '6', '', '']]);
  assert.equal(new URL(page.url()).search, '');
});

uiTest('the version picker offers a page of versions and reads older ones on asking', async (page) => {
  // 60 versions, one record each: more than the picker's first page of 50.
  const dataset = await api('POST', '/v1/dataset', { project_id: project.id, name: 'many-versions' });
  for (let i = 1; i <= 60; i++) {
    await api('POST', `/v1/dataset/${dataset.id}/insert`, { events: [{ id: `q${i}`, input: { question: i }, expected: i }] });
  }
  await signIn(page, datasetPath(dataset));
  await page.locator('table.records tbody tr').first().waitFor();
  const picker = page.getByLabel('Version');
  const older = page.getByRole('button', { name: 'Older versions' });
  assert.equal(await picker.locator('option').count(), 1 + 50);
  assert.equal(await older.isVisible(), true);

  await older.click();
  await eventually(() => picker.locator('option').count(), 1 + 60);
  assert.equal(await older.isVisible(), false, 'nothing older is left');
  const labels = (await picker.locator('option').allInnerTexts()).map((t) => t.replace(/^.* · /, ''));
  assert.deepEqual(new Set(labels.slice(1)), new Set(['1 change']));
  const values = await picker.locator('option').evaluateAll((options) => options.map((o) => o.value));
  assert.deepEqual(values.slice(1), [...values.slice(1)].sort().reverse(), 'newest first, with no repeats');
  assert.equal(new Set(values).size, 61);

  // The oldest version held the first record alone.
  await picker.selectOption({ index: 60 });
  await eventually(() => records(page), [['{"question":1}', '1', '', '']]);
  assert.equal(await page.locator('#record-count').innerText(), '1 record');
});
