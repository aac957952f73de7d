import assert from 'node:assert/strict';
import { before } from 'node:test';
import { eventually, signIn, uiTest } from '#ui';
import { LONG_TEXT, sampleProject } from './lib/sample.mjs';

let project;
before(async () => { project = await sampleProject(); });
const tracePath = (rootSpanId) => `/app/projects/${project.id}/logs/${rootSpanId}`;

const treeRows = (page) => page.locator('.span-row').evaluateAll((rows) => rows.map((r) => ({
  name: r.querySelector('.span-name').innerText.replace(/\s+/g, ' ').trim(),
  indent: r.querySelector('.span-name').style.paddingLeft,
  duration: r.querySelector('.span-duration').innerText,
  bar: [r.querySelector('.bar').style.left, r.querySelector('.bar').style.width],
})));

uiTest('a trace shows its span tree in order, indented, with a timing waterfall', async (page) => {
  await signIn(page, tracePath('qa-1'));
  await page.getByRole('tree', { name: 'Spans' }).waitFor();
  // The trace runs 2s: the llm span from 0.2s to 1.5s, the tool call inside it from 0.5s to 0.8s.
  const rows = await treeRows(page);
  assert.deepEqual(rows.map((r) => [r.name, r.indent, r.duration]), [
    ['TASK answer-question', '0px', '2.00s'],
    ['LLM chat-completion', '16px', '1.30s'],
    ['TOOL calculator', '32px', '300ms'],
  ]);
  assert.deepEqual(rows.map((r) => r.bar.map((v) => Math.round(parseFloat(v)))), [[0, 100], [10, 65], [25, 15]]);
  assert.equal(await page.getByRole('treeitem', { selected: true }).innerText().then((t) => t.includes('answer-question')), true);
});

uiTest('picking a span shows its fields as JSON, building nested values only when opened', async (page) => {
  await signIn(page, tracePath('qa-1'));
  await page.getByRole('treeitem').filter({ hasText: 'chat-completion' }).click();
  const details = page.getByRole('region', { name: 'Span details' });
  await details.getByRole('heading', { name: 'chat-completion' }).waitFor();
  assert.match(new URL(page.url()).search, /span=qa-1-llm/);
  assert.deepEqual(await details.locator('details.field > summary').allInnerTexts(), ['Input', 'Output', 'Metadata', 'Metrics']);

  const metadata = details.locator('[data-field="metadata"]');
  assert.match(await metadata.innerText(), /"model": "gpt-4o-mini"/);
  // metadata.request is collapsed: its keys are not in the page until it is opened.
  assert.equal(await metadata.getByText('nested-deep-value').count(), 0);
  const collapsed = metadata.getByText('{ 2 keys }').filter({ visible: true });
  await collapsed.click(); // metadata.request
  await collapsed.click(); // request.settings, built only now
  await metadata.getByText('"nested-deep-value"').waitFor();

  await details.locator('[data-field="metadata"] > summary').click();
  assert.equal(await metadata.locator('.json').isVisible(), false);
});

uiTest('a long string shows its start, and all of it on "show more"', async (page) => {
  await signIn(page, `${tracePath('qa-2')}?span=qa-2-llm`);
  const output = page.locator('[data-field="output"]');
  await output.waitFor();
  const shown = () => output.locator('.j-string').filter({ hasText: 'quick brown fox' }).innerText();
  assert.ok((await shown()).length < 400);
  await output.getByRole('button', { name: `show more (${LONG_TEXT.length.toLocaleString('en-US')} characters)` }).click();
  await eventually(shown, JSON.stringify(LONG_TEXT));
});
