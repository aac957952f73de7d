import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { api, createProject, eventually, signIn, tableRows, uiTest } from '#ui';
import { echo, useFakeLlm } from './lib/fake-llm.mjs';

// One project with a prompt saved twice and a code scorer; the playground's model is routed to a loopback fake.
let project;
let fake;
before(async () => {
  fake = await useFakeLlm();
  project = await createProject();
});
after(async () => fake?.close());

/** A prompt of its own for a test: version 1 as created, version 2 after a PATCH (another model, a message changed). */
async function greeter(slug) {
  const prompt = await api('POST', '/v1/prompt', {
    project_id: project.id, name: `Greeter ${slug}`, slug, description: 'Says hello',
    prompt_data: {
      prompt: { type: 'chat', messages: [{ role: 'system', content: 'You are kind.' }, { role: 'user', content: 'Hello {{name}}' }] },
      options: { model: 'gpt-4o-mini', params: { temperature: 0 } },
    },
  });
  await api('PATCH', `/v1/prompt/${prompt.id}`, { prompt_data: {
    prompt: { type: 'chat', messages: [{ role: 'system', content: 'You are kind.' }, { role: 'user', content: 'Hi {{name}}, from {{city}}' }] },
    options: { model: fake.model },
  } });
  return prompt;
}
const promptPath = (prompt, query = '') => `/app/projects/${project.id}/prompts/${prompt.id}${query}`;
const versionCount = (page) => page.getByRole('list', { name: 'Versions' }).getByRole('listitem').count();
// The changed lines of the diff, as "added: …"/"removed: …", their indentation squeezed to one space.
const diffLines = (page) => page.getByRole('list', { name: 'Changes' }).getByRole('listitem').evaluateAll((lines) =>
  lines.filter((l) => !l.classList.contains('diff-same')).map((l) => l.getAttribute('aria-label').replace(/\s+/g, ' ')));

uiTest('the prompts and functions tabs list them with slug, type, description and when they were saved', async (page) => {
  await greeter('list-greeter');
  await api('POST', '/v1/function', {
    project_id: project.id, name: 'Exact match', slug: 'exact-match', function_type: 'scorer', description: 'output = expected',
    function_data: { type: 'code', data: { type: 'inline', runtime_context: { runtime: 'node', version: '20' },
      code: 'function handler({ output, expected }) {\n  return output === expected ? 1 : 0;\n}' } },
  });
  await signIn(page, `/app/projects/${project.id}/prompts`);
  await page.locator('table.prompts tbody tr').first().waitFor();
  const prompts = await tableRows(page, 'table.prompts');
  const row = prompts.find((cells) => cells[1] === 'list-greeter');
  assert.deepEqual(row.slice(0, 4), ['Greeter list-greeter', 'list-greeter', 'prompt', 'Says hello']);
  assert.match(row[4], /\d{4}/, 'the time it was last saved');

  await page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'Functions' }).click();
  await page.locator('table.functions tbody tr').first().waitFor();
  assert.deepEqual((await tableRows(page, 'table.functions')).map((cells) => cells.slice(0, 4)),
    [['Exact match', 'exact-match', 'scorer', 'output = expected']]);
  await page.getByRole('link', { name: 'Exact match' }).click();
  await eventually(() => page.getByLabel('Code').innerText(), 'function handler({ output, expected }) {\n  return output === expected ? 1 : 0;\n}');
  assert.equal(await versionCount(page), 1);
  await page.getByText('The first version: nothing before it to compare with.').waitFor();
});

uiTest('a prompt shows its versions, its definition, and what changed from the version before in added and removed lines', async (page) => {
  const prompt = await greeter('history');
  await signIn(page, promptPath(prompt));
  await page.getByRole('heading', { name: 'Greeter history' }).waitFor();
  assert.equal(await versionCount(page), 2);
  assert.equal(await page.locator('#prompt-model').innerText(), fake.model);
  assert.deepEqual(await page.getByRole('list', { name: 'Messages' }).getByRole('listitem').allInnerTexts(),
    ['SYSTEM\nYou are kind.', 'USER\nHi {{name}}, from {{city}}']);

  // The PATCH merged: params stayed, the model and the user message changed.
  assert.deepEqual(await diffLines(page), [
    'removed: "content": "Hello {{name}}"',
    'added: "content": "Hi {{name}}, from {{city}}"',
    'removed: "model": "gpt-4o-mini",',
    `added: "model": "${fake.model}",`,
  ]);
  const colors = await page.locator('.diff-add, .diff-del').evaluateAll((lines) => lines.map((l) => getComputedStyle(l).backgroundColor));
  assert.deepEqual([...new Set(colors)].sort(), ['rgb(230, 246, 236)', 'rgb(253, 236, 235)'], 'added lines green, removed red');

  // The older version: its own definition, read-only, and nothing before it.
  await page.getByRole('list', { name: 'Versions' }).getByRole('link').nth(1).click();
  await eventually(() => page.locator('#prompt-model').innerText(), 'gpt-4o-mini');
  await page.getByText('The first version: nothing before it to compare with.').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Edit' }).count(), 0);
  await page.getByRole('link', { name: 'Back to the latest version' }).click();
  await eventually(() => page.locator('#prompt-model').innerText(), fake.model);
});

uiTest('editing a prompt saves a new version that heads the history', async (page) => {
  const prompt = await greeter('edit');
  await signIn(page, promptPath(prompt));
  await page.getByRole('button', { name: 'Edit' }).click();
  const form = page.getByRole('form', { name: 'Edit prompt' });
  await form.getByLabel('Model').fill('gpt-4o');
  await form.getByLabel('Message 2', { exact: true }).fill('Good morning {{name}}');
  await form.getByRole('button', { name: 'Add message' }).click();
  await form.getByLabel('Role of message 3').selectOption('assistant');
  await form.getByLabel('Message 3', { exact: true }).fill('Good morning!');
  await form.getByRole('button', { name: 'Save as new version' }).click();

  await eventually(() => versionCount(page), 3);
  assert.equal(await page.locator('#prompt-model').innerText(), 'gpt-4o');
  assert.deepEqual(await page.getByRole('list', { name: 'Messages' }).getByRole('listitem').allInnerTexts(),
    ['SYSTEM\nYou are kind.', 'USER\nGood morning {{name}}', 'ASSISTANT\nGood morning!']);
  assert.ok((await diffLines(page)).includes('added: "model": "gpt-4o",'));
  const saved = await api('GET', `/v1/prompt/${prompt.id}`);
  assert.equal(saved.prompt_data.options.model, 'gpt-4o');
  assert.deepEqual(saved.prompt_data.options.params, { temperature: 0 }, 'parts the form does not edit are kept');
});

uiTest('the playground runs the prompt through the configured provider and shows its answer', async (page) => {
  const prompt = await greeter('playground');
  await signIn(page, promptPath(prompt));
  const playground = page.getByRole('region', { name: 'Playground' });
  // Prefilled with the template's variables.
  assert.deepEqual(JSON.parse(await playground.getByLabel('Input (JSON)').inputValue()), { name: '', city: '' });
  await playground.getByLabel('Input (JSON)').fill('{"name": "Ann", "city": "Oslo"}');
  await playground.getByRole('button', { name: 'Run' }).click();
  await eventually(() => playground.getByLabel('Output').innerText(), echo('Hi Ann, from Oslo'));
});

uiTest('the playground shows bad JSON and the provider\'s error inline', async (page, errors) => {
  const prompt = await greeter('playground-errors');
  await signIn(page, promptPath(prompt));
  const playground = page.getByRole('region', { name: 'Playground' });
  await playground.getByLabel('Input (JSON)').fill('{"name": ');
  await playground.getByRole('button', { name: 'Run' }).click();
  assert.match(await playground.getByRole('alert').innerText(), /^Input is not valid JSON: /);

  await playground.getByLabel('Input (JSON)').fill('{"name": "refuse", "city": "Oslo"}');
  await playground.getByRole('button', { name: 'Run' }).click();
  await eventually(async () => /the fake provider refuses this prompt/.test(await playground.getByRole('alert').innerText()), true);
  assert.equal(await playground.getByLabel('Output').isVisible(), false);
  // The browser logs the failed invoke as a console error; that one is meant.
  errors.splice(0, errors.length, ...errors.filter((e) => !/Failed to load resource/.test(e)));
});
