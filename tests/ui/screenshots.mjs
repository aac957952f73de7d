// Retakes the web UI's screenshots in docs/ui/ (run.sh --screenshots starts the server and runs this once).
// Each page at 1280x800 with the sample traces of lib/sample.mjs.
import { chromium } from 'playwright-core';
import { api, apiKey, baseUrl } from './lib/ui.mjs';
import { sampleProject } from './lib/sample.mjs';
import { libraryCodeFunction, librarySample } from './lib/library-sample.mjs';
import { useFakeLlm } from './lib/fake-llm.mjs';
import { experimentsProject } from './lib/experiments.mjs';
import { trafficProject } from './lib/traffic.mjs';

const out = process.argv[2];
if (!out) throw new Error('usage: node screenshots.mjs <folder>');

const project = await sampleProject();
const browser = await chromium.launch({
  executablePath: process.env.BRAID_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
});
try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const shoot = async (name) => {
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: `${out}/${name}.png` });
    console.log(`${out}/${name}.png`);
  };

  await page.goto(`${baseUrl}/app/sign-in`);
  await page.getByRole('heading', { name: 'Sign in to Braid' }).waitFor();
  await shoot('sign-in');

  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: project.name }).waitFor();
  await shoot('projects');

  await page.getByRole('link', { name: project.name }).click();
  await page.locator('table.logs tbody tr').first().waitFor();
  await shoot('logs');

  await page.getByLabel('Filter').fill('scores.accuracy >');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.locator('#filter-error').filter({ hasText: 'expected' }).waitFor();
  await shoot('logs-filter-error');

  await page.goto(`${baseUrl}/app/projects/${project.id}/logs/qa-1?span=qa-1-llm`);
  await page.getByRole('tree', { name: 'Spans' }).waitFor();
  await page.locator('[data-field="metadata"]').getByText('{ 2 keys }').filter({ visible: true }).first().click();
  await shoot('trace');

  // Datasets, prompts and functions: a dataset edited once, a prompt saved twice, its playground run on a fake model.
  const fake = await useFakeLlm('gpt-4o-mini-fake');
  try {
    const { dataset, prompt } = await librarySample(project.id, fake.model);
    await page.goto(`${baseUrl}/app/projects/${project.id}/datasets/${dataset.id}`);
    await page.locator('table.records tbody tr').first().waitFor();
    await shoot('dataset');

    await page.goto(`${baseUrl}/app/projects/${project.id}/prompts/${prompt.id}`);
    await page.getByRole('list', { name: 'Changes' }).waitFor();
    await page.getByRole('region', { name: 'Changes' }).evaluate((el) => el.scrollIntoView());
    await shoot('prompt-diff');

    const playground = page.getByRole('region', { name: 'Playground' });
    await playground.getByLabel('Input (JSON)').fill('{"name": "Ann", "city": "Oslo", "country": "Norway"}');
    await playground.getByRole('button', { name: 'Run' }).click();
    await playground.getByLabel('Output').waitFor();
    await playground.evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await shoot('prompt-playground');

    // The diff of two versions picked: the first against the latest, after a third save that sets a temperature.
    await api('PATCH', `/v1/prompt/${prompt.id}`, { prompt_data: { options: { params: { temperature: 0.2 } } } });
    await page.goto(`${baseUrl}/app/projects/${project.id}/prompts/${prompt.id}`);
    const first = await page.getByRole('list', { name: 'Versions' }).getByRole('link').last().getAttribute('data-version');
    await page.getByLabel('Compare from version').selectOption(first);
    await page.getByRole('region', { name: 'Changes' }).evaluate((el) => el.scrollIntoView());
    await shoot('prompt-compare');

    // A code scorer in its editor, saved once before.
    const fn = await libraryCodeFunction(project.id);
    await page.goto(`${baseUrl}/app/projects/${project.id}/functions/${fn.id}`);
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('form', { name: 'Edit code' }).waitFor();
    await shoot('function-code-edit');
  } finally {
    await fake.close();
  }
  // Experiments: the list with its sparklines, one experiment on its own, and the same compared with its base.
  const { project: evals, byName } = await experimentsProject();
  await page.goto(`${baseUrl}/app/projects/${evals.id}/experiments`);
  await page.locator('table.experiments tbody tr').first().waitFor();
  await shoot('experiments');
  await page.goto(`${baseUrl}/app/projects/${evals.id}/experiments/${byName['exp-b'].id}?compare=none`);
  await page.locator('table.experiment-rows tbody tr').first().waitFor();
  await shoot('experiment');
  await page.goto(`${baseUrl}/app/projects/${evals.id}/experiments/${byName['exp-b'].id}`);
  await page.getByText('no base row').waitFor();
  await shoot('experiment-compare');

  // Monitor and Settings.
  const traffic = await trafficProject();
  await page.goto(`${baseUrl}/app/projects/${traffic.id}/monitor`);
  await page.locator('[data-chart="scores"] circle.point').first().waitFor();
  await shoot('monitor');

  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Invite by email').fill('ann@example.com');
  await page.getByRole('button', { name: 'Invite' }).click();
  await page.getByRole('cell', { name: 'ann@example.com' }).waitFor();
  await shoot('settings-members');

  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'API keys' }).click();
  await page.getByLabel('Key name').fill('ci');
  await page.getByRole('button', { name: 'Create key' }).click();
  await page.getByRole('region', { name: 'New API key' }).waitFor();
  await shoot('settings-api-keys');

  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'AI secrets' }).click();
  for (const [name, type] of [['OPENAI_API_KEY', 'openai'], ['ANTHROPIC_API_KEY', 'anthropic']]) {
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Type').fill(type);
    await page.getByLabel('Value').fill(`sk-example-${type}-value`);
    await page.getByRole('button', { name: 'Save secret' }).click();
    await page.getByRole('cell', { name }).waitFor();
  }
  await shoot('settings-ai-secrets');
} finally {
  await browser.close();
}
