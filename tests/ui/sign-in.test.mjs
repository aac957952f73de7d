import assert from 'node:assert/strict';
import { api, apiKey, baseUrl, createProject, eventually, signIn, uiTest } from '#ui';

uiTest('a wrong key is refused on the form', async (page) => {
  await page.goto(`${baseUrl}/app/sign-in`);
  await page.getByLabel('API key').fill('sk-not-a-real-key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await eventually(() => page.getByRole('alert').innerText(), 'That API key is not valid.');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
});

uiTest('signing in keeps the key in this tab only and lists the organization\'s projects', async (page) => {
  const project = await createProject();
  const me = await api('POST', '/api/self/me');
  await signIn(page);
  await page.getByRole('link', { name: project.name }).waitFor();
  assert.equal(await page.getByLabel('Organization').inputValue(), me.organizations[0].name);
  const storage = await page.evaluate(() => ({ session: Object.values(sessionStorage), local: localStorage.length, cookie: document.cookie }));
  assert.ok(storage.session.includes(apiKey));
  assert.equal(storage.local, 0);
  assert.equal(storage.cookie, '');
  assert.deepEqual(await page.context().cookies(), []);

  await page.getByRole('link', { name: project.name }).click();
  await page.getByRole('heading', { name: 'Logs' }).waitFor();
});

uiTest('signing out forgets the key', async (page) => {
  await signIn(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to Braid' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  await page.goto(`${baseUrl}/app/`);
  await page.getByRole('heading', { name: 'Sign in to Braid' }).waitFor();
});

uiTest('a link into the app leads there after signing in', async (page) => {
  const project = await createProject();
  await signIn(page, `/app/projects/${project.id}/logs`);
  await page.getByRole('heading', { name: 'Logs' }).waitFor();
  assert.equal(new URL(page.url()).pathname, `/app/projects/${project.id}/logs`);
});
