import assert from 'node:assert/strict';
import { api, baseUrl, eventually, signIn, unique, uiTest } from '#ui';

/** Signs in (with the run's key, or `key` through the form), then opens a settings section in the same tab. */
async function open(page, section, key) {
  if (key) {
    await page.goto(`${baseUrl}/app/sign-in`);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
  } else {
    await signIn(page);
  }
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Members' }).waitFor();
  if (section !== 'Members') {
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: section }).click();
    await page.getByRole('heading', { name: section }).waitFor();
  }
}

/** The text of each cell of the section's table, row by row (chips joined by a space; action buttons left out). */
const rows = (page) => page.locator('.table-wrap table tbody tr').evaluateAll((trs) => trs.map((tr) =>
  [...tr.querySelectorAll('td:not(.actions)')].map((td) => {
    const chips = [...td.querySelectorAll('.chip')];
    return chips.length > 0 ? chips.map((c) => c.firstChild.textContent.trim()).join(' ') : td.innerText.trim();
  })));
const row = (page, text) => page.locator('.table-wrap tbody tr').filter({ hasText: text });

uiTest('inviting a member by email lists them, and removing them takes two clicks', async (page) => {
  const email = `${unique('member')}@example.com`;
  await open(page, 'Members');
  await page.getByLabel('Invite by email').fill(email);
  await page.getByRole('button', { name: 'Invite' }).click();
  await row(page, email).waitFor();
  assert.equal((await page.getByLabel('Invite by email').inputValue()), '');

  await row(page, email).getByRole('button', { name: 'Remove' }).click();
  await row(page, email).getByText(`Remove ${email}?`).waitFor();
  await row(page, email).getByRole('button', { name: 'Remove' }).click();
  await eventually(() => row(page, email).count(), 0);
  const { objects } = await api('GET', '/v1/user?limit=1000');
  assert.equal(objects.some((u) => u.email === email), false);
});

uiTest('a group is created, gains a member, loses them, and a second one of its name is refused', async (page) => {
  const email = `${unique('grouped')}@example.com`;
  await api('PATCH', '/v1/organization/members', { invite_users: { emails: [email] } });
  const name = unique('group');
  await open(page, 'Groups');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Description').fill('people who review');
  await page.getByRole('button', { name: 'Create group' }).click();
  await row(page, name).waitFor();

  await page.getByLabel(`Member to add to ${name}`).selectOption({ label: email });
  await row(page, name).getByRole('button', { name: 'Add' }).click();
  await eventually(async () => (await rows(page)).find((cells) => cells[0] === name), [name, 'people who review', email]);

  await page.getByRole('button', { name: `Remove ${email} from ${name}` }).click();
  await eventually(async () => (await rows(page)).find((cells) => cells[0] === name)?.[2], '');

  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create group' }).click();
  await eventually(() => page.getByRole('alert').filter({ hasText: 'already' }).innerText(), `A group named '${name}' already exists.`);
  assert.equal(await row(page, name).count(), 1);
});

uiTest('a role is created with the permissions ticked', async (page) => {
  const name = unique('role');
  await open(page, 'Roles');
  assert.match((await rows(page)).find((cells) => cells[0].startsWith('Owner'))[0], /^Owner\s*built-in$/i);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('read', { exact: true }).check();
  await page.getByLabel('update', { exact: true }).check();
  await page.getByRole('button', { name: 'Create role' }).click();
  await eventually(async () => (await rows(page)).find((cells) => cells[0] === name), [name, '', 'read update']);
  const { objects } = await api('GET', `/v1/role?role_name=${encodeURIComponent(name)}`);
  assert.deepEqual(objects.map((r) => r.member_permissions.map((p) => p.permission)), [['read', 'update']]);
});

uiTest('a new API key is shown once, works, shows only its preview after a reload, and is deleted after a confirm', async (page) => {
  const name = unique('key');
  await open(page, 'API keys');
  await page.getByLabel('Key name').fill(name);
  await page.getByRole('button', { name: 'Create key' }).click();
  const region = page.getByRole('region', { name: 'New API key' });
  await region.waitFor();
  assert.match(await region.innerText(), /shown only this once/);
  const key = await page.getByLabel(`New key ${name}`).inputValue();
  assert.match(key, /^sk-/);
  const preview = `sk-****${key.slice(-4)}`;
  await eventually(async () => (await rows(page)).find((cells) => cells[0] === name)?.slice(0, 2), [name, preview]);

  // The key works for an API call.
  const me = await fetch(`${baseUrl}/api/self/me`, { method: 'POST', headers: { Authorization: `Bearer ${key}` } });
  assert.equal(me.status, 200);

  await page.reload();
  await row(page, name).waitFor();
  assert.equal(await region.count(), 0);
  assert.equal((await page.content()).includes(key), false);
  assert.equal(await row(page, name).locator('td').nth(1).innerText(), preview);

  await row(page, name).getByRole('button', { name: 'Delete' }).click();
  await row(page, name).getByText(`Delete key ${name}?`).waitFor();
  await row(page, name).getByRole('button', { name: 'Cancel' }).click();
  await row(page, name).getByRole('button', { name: 'Delete' }).click();
  await row(page, name).getByRole('button', { name: 'Delete' }).click();
  await eventually(() => row(page, name).count(), 0);
  const after = await fetch(`${baseUrl}/api/self/me`, { method: 'POST', headers: { Authorization: `Bearer ${key}` } });
  assert.equal(after.status, 401);
});

uiTest('an AI secret\'s value is sent but never shown or returned, and a second save replaces it', async (page) => {
  const name = unique('SECRET').toUpperCase().replace(/-/g, '_');
  const value = `sk-${unique('value-never-shown')}`;
  const second = `sk-${unique('second-value')}`;
  const bodies = [];
  page.on('response', async (response) => {
    if (response.request().method() !== 'GET' && !response.url().includes('/v1/ai_secret')) return;
    bodies.push(await response.text().catch(() => ''));
  });
  await open(page, 'AI secrets');
  assert.equal(await page.getByLabel('Value').getAttribute('type'), 'password');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Type').fill('openai');
  await page.getByLabel('Value').fill(value);
  await page.getByRole('button', { name: 'Save secret' }).click();
  await row(page, name).waitFor();
  assert.deepEqual((await rows(page)).find((cells) => cells[0] === name).slice(0, 2), [name, 'openai']);
  assert.equal(await page.getByLabel('Value').inputValue(), '');

  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Value').fill(second);
  await page.getByRole('button', { name: 'Save secret' }).click();
  await eventually(async () => (await rows(page)).filter((cells) => cells[0] === name).length, 1);

  await page.reload();
  await row(page, name).waitFor();
  const dom = await page.content();
  const listed = await api('GET', '/v1/ai_secret?limit=1000');
  for (const secret of [value, second]) {
    assert.equal(dom.includes(secret), false);
    assert.equal(bodies.some((body) => body.includes(secret)), false);
    assert.equal(JSON.stringify(listed).includes(secret), false);
  }

  await row(page, name).getByRole('button', { name: 'Delete' }).click();
  await row(page, name).getByRole('button', { name: 'Delete' }).click();
  await eventually(() => row(page, name).count(), 0);
});

uiTest('a member who may not manage the organization sees the server\'s refusal inline', async (page, errors) => {
  const { added_users: [bot] } = await api('PATCH', '/v1/organization/members',
    { invite_users: { service_accounts: [{ name: unique('bot'), token_name: 'ui' }] } });
  await open(page, 'Members', bot.api_key);
  await eventually(() => page.locator('.table-wrap').getByRole('alert').innerText(), "permission denied: you lack 'read' on a new org_member");
  await page.getByLabel('Invite by email').fill('someone@example.com');
  await page.getByRole('button', { name: 'Invite' }).click();
  await eventually(() => page.locator('p.error').first().innerText(), "permission denied: you lack 'create' on a new org_member");
  // The browser logs each refused request as a console error; here they are the point of the test.
  errors.splice(0, errors.length, ...errors.filter((e) => !/status of 403/.test(e)));
});
