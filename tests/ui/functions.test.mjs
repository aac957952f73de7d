import assert from 'node:assert/strict';
import { before } from 'node:test';
import { api, baseUrl, createProject, eventually, signIn, uiTest } from '#ui';

// One project; each test makes its own prompt or function in it, so no test sees another's versions.
let project;
before(async () => { project = await createProject(); });

const RUNTIME = { runtime: 'node', version: '20' };
const SCORER = 'function handler({ output, expected }) {\n  return output === expected ? 1 : 0;\n}';

async function createFunction(slug, functionData) {
  return api('POST', '/v1/function', { project_id: project.id, name: `Function ${slug}`, slug, function_type: 'scorer', function_data: functionData });
}
const detailPath = (section, object, query = '') => `/app/projects/${project.id}/${section}/${object.id}${query}`;
const versionCount = (page) => page.getByRole('list', { name: 'Versions' }).getByRole('listitem').count();
// The changed lines of the diff, as "added: …"/"removed: …", their indentation squeezed to one space.
const diffLines = (page) => page.getByRole('list', { name: 'Changes' }).getByRole('listitem').evaluateAll((lines) =>
  lines.filter((l) => !l.classList.contains('diff-same')).map((l) => l.getAttribute('aria-label').replace(/\s+/g, ' ')));

uiTest('editing an inline code function saves its code as a new version, shown in the history with its diff', async (page) => {
  const fn = await createFunction('trimmed-match', { type: 'code', data: { type: 'inline', runtime_context: RUNTIME, code: SCORER } });
  await signIn(page, detailPath('functions', fn));
  await eventually(() => page.getByLabel('Code').innerText(), SCORER);
  await page.getByRole('button', { name: 'Edit' }).click();
  const form = page.getByRole('form', { name: 'Edit code' });
  assert.equal(await form.getByLabel('Code').inputValue(), SCORER);
  assert.equal(await form.getByLabel('Code').evaluate((box) => getComputedStyle(box).fontFamily.includes('monospace')), true);
  const edited = SCORER.replace('output === expected', 'output.trim() === expected.trim()');
  await form.getByLabel('Code').fill(edited);
  await form.getByRole('button', { name: 'Save as new version' }).click();

  await eventually(() => versionCount(page), 2);
  assert.equal(await page.getByLabel('Code').innerText(), edited);
  assert.deepEqual(await diffLines(page), [
    'removed: return output === expected ? 1 : 0;',
    'added: return output.trim() === expected.trim() ? 1 : 0;',
  ]);
  const saved = await api('GET', `/v1/function/${fn.id}`);
  assert.deepEqual(saved.function_data, { type: 'code', data: { type: 'inline', runtime_context: RUNTIME, code: edited } });

  // The version before is still there, read-only.
  await page.getByRole('list', { name: 'Versions' }).getByRole('link').nth(1).click();
  await eventually(() => page.getByLabel('Code').innerText(), SCORER);
  assert.equal(await page.getByRole('button', { name: 'Edit' }).count(), 0);
});

uiTest('a code edit the server refuses shows its error in the form and keeps what was typed', async (page, errors) => {
  const fn = await createFunction('refused', { type: 'code', data: { type: 'inline', runtime_context: RUNTIME, code: SCORER } });
  await signIn(page, detailPath('functions', fn));
  await page.getByRole('button', { name: 'Edit' }).click();
  // Deleted behind the page's back: saving is a 404, said in the form.
  await api('DELETE', `/v1/function/${fn.id}`);
  const form = page.getByRole('form', { name: 'Edit code' });
  await form.getByLabel('Code').fill('function handler() { return 1; }');
  await form.getByRole('button', { name: 'Save as new version' }).click();
  await eventually(async () => (await form.getByRole('alert').innerText()).length > 0, true);
  assert.equal(await form.getByLabel('Code').inputValue(), 'function handler() { return 1; }');
  errors.splice(0, errors.length, ...errors.filter((e) => !/status of 404/.test(e)));
});

uiTest('bundled, global and remote functions are read-only and say why', async (page) => {
  const bundle = await createFunction('bundled', { type: 'code', data: { type: 'bundle', runtime_context: RUNTIME,
    location: { type: 'function', index: 0 }, bundle_id: 'bundle-1', preview: SCORER } });
  const global = await createFunction('levenshtein', { type: 'global', name: 'Levenshtein' });
  const remote = await createFunction('remote', { type: 'remote_eval', endpoint: 'http://127.0.0.1:1/eval', eval_name: 'qa', parameters: {} });

  await signIn(page, detailPath('functions', bundle));
  await page.getByRole('heading', { name: 'Function bundled' }).waitFor();
  assert.match(await page.locator('#read-only').innerText(), /^Read-only here: its code is a bundle uploaded by `braintrust push`/);
  assert.equal(await page.getByRole('button', { name: 'Edit' }).count(), 0);

  await page.goto(baseUrl + detailPath('functions', global));
  await page.getByRole('heading', { name: 'Function levenshtein' }).waitFor();
  assert.match(await page.locator('#read-only').innerText(), /^Read-only here: a global function is built into the server/);
  assert.equal(await page.getByRole('button', { name: 'Edit' }).count(), 0);

  await page.goto(baseUrl + detailPath('functions', remote));
  await page.getByRole('heading', { name: 'Function remote' }).waitFor();
  assert.match(await page.locator('#read-only').innerText(), /^Read-only here: a remote eval runs on its own server/);
});

uiTest('the history compares any two versions picked, the shown one against the one before by default', async (page) => {
  const messages = (text) => [{ role: 'system', content: 'You are kind.' }, { role: 'user', content: text }];
  const prompt = await api('POST', '/v1/prompt', { project_id: project.id, name: 'Three versions', slug: 'three-versions',
    prompt_data: { prompt: { type: 'chat', messages: messages('Hello') }, options: { model: 'model-1' } } });
  await api('PATCH', `/v1/prompt/${prompt.id}`, { prompt_data: { options: { model: 'model-2' } } });
  await api('PATCH', `/v1/prompt/${prompt.id}`, { prompt_data: { prompt: { type: 'chat', messages: messages('Hi') } } });

  await signIn(page, detailPath('prompts', prompt));
  await eventually(() => versionCount(page), 3);
  const ids = await page.getByRole('list', { name: 'Versions' }).getByRole('link').evaluateAll((links) => links.map((a) => a.dataset.version));
  const from = page.getByLabel('Compare from version');
  const to = page.getByLabel('Compare to version');
  assert.equal(await from.inputValue(), ids[1]);
  assert.equal(await to.inputValue(), ids[0]);
  const message = ['removed: "content": "Hello"', 'added: "content": "Hi"'];
  const model = ['removed: "model": "model-1"', 'added: "model": "model-2"'];
  assert.deepEqual(await diffLines(page), message);

  // The oldest against the latest: both changes.
  await from.selectOption(ids[2]);
  await eventually(() => diffLines(page), [...message, ...model]);
  // The oldest against the middle one: the model alone.
  await to.selectOption(ids[1]);
  await eventually(() => diffLines(page), model);
  const pair = await page.evaluate(() => Object.fromEntries(new URLSearchParams(location.search)));
  assert.deepEqual([pair.from, pair.to], [ids[2], ids[1]], 'the pair is kept in the URL');

  // A reload keeps the pair.
  await page.reload();
  await eventually(() => diffLines(page), model);
  assert.equal(await page.getByLabel('Compare to version').inputValue(), ids[1]);

  await page.getByLabel('Compare from version').selectOption(ids[1]);
  await page.getByText('The same version on both sides: nothing changed.').waitFor();
});

uiTest('the history reads its versions a page at a time, and the oldest can be reached, shown and compared', async (page) => {
  // Seven versions, model-0 to model-6, read three at a time (`?versions=3`; the page reads 100 unless told).
  const prompt = await api('POST', '/v1/prompt', { project_id: project.id, name: 'Seven versions', slug: 'seven-versions',
    prompt_data: { prompt: { type: 'chat', messages: [{ role: 'user', content: 'Hello' }] }, options: { model: 'model-0' } } });
  for (let i = 1; i <= 6; i++) {
    await api('PATCH', `/v1/prompt/${prompt.id}`, { prompt_data: { options: { model: `model-${i}` } } });
  }
  await signIn(page, detailPath('prompts', prompt, '?versions=3'));
  await eventually(() => versionCount(page), 3);
  const older = page.getByRole('button', { name: 'Older versions' });
  await older.click();
  await eventually(() => versionCount(page), 6);
  await older.click();
  await eventually(() => versionCount(page), 7);
  assert.equal(await older.isVisible(), false, 'nothing older is left');
  const ids = await page.getByRole('list', { name: 'Versions' }).getByRole('link').evaluateAll((links) => links.map((a) => a.dataset.version));
  assert.deepEqual(ids, [...new Set(ids)].sort().reverse(), 'newest first, with no repeats');

  // The diff offers every version read: the oldest against the latest.
  const from = page.getByLabel('Compare from version');
  assert.equal(await from.locator('option').count(), 1 + 7);
  await from.selectOption(ids[6]);
  await eventually(() => diffLines(page), ['removed: "model": "model-0"', 'added: "model": "model-6"']);

  // The oldest, shown: its own definition, and nothing before it.
  await page.getByRole('list', { name: 'Versions' }).getByRole('link').nth(6).click();
  await eventually(() => page.locator('#prompt-model').innerText(), 'model-0');
  await page.getByText('The first version: nothing before it to compare with.').waitFor();

  // A link to a version past the first page opens on it, compared with the one before it.
  await page.goto(baseUrl + detailPath('prompts', prompt, `?versions=3&version=${ids[4]}`));
  await eventually(() => page.locator('#prompt-model').innerText(), 'model-2');
  await eventually(() => diffLines(page), ['removed: "model": "model-1"', 'added: "model": "model-2"']);
  assert.equal(await page.getByRole('list', { name: 'Versions' }).locator('a[aria-current="true"]').getAttribute('data-version'), ids[4]);
});
