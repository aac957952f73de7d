import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseUrl, uiTest } from '#ui';

test('the root and client-side routes answer the UI page, whose CSP allows only Braid itself', async () => {
  for (const path of ['/', '/app/', '/app/projects/some-id/logs']) {
    const response = await fetch(baseUrl + path);
    assert.equal(response.status, 200, path);
    assert.match(response.headers.get('content-type'), /^text\/html/, path);
    assert.match(response.headers.get('content-security-policy'), /default-src 'self'/, path);
    assert.match(await response.text(), /<script type="module" src="\/ui\/main.js">/, path);
  }
  const script = await fetch(`${baseUrl}/ui/main.js`);
  assert.equal(script.status, 200);
  assert.match(script.headers.get('content-type'), /^text\/javascript/);
});

test('unknown API paths and missing UI files keep the API\'s JSON 404', async () => {
  for (const path of ['/v1/nothing-here', '/ui/missing.js', '/nowhere']) {
    const response = await fetch(baseUrl + path);
    assert.equal(response.status, 404, path);
    assert.deepEqual(await response.json(), { error: `no route for GET ${path}` });
  }
  const post = await fetch(`${baseUrl}/`, { method: 'POST' });
  assert.equal(post.status, 404);
});

uiTest('without a key the UI asks for one, loading nothing from elsewhere', async (page) => {
  const requested = [];
  page.on('request', (r) => requested.push(new URL(r.url()).origin));
  await page.goto(baseUrl + '/');
  await page.getByRole('heading', { name: 'Sign in to Braid' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/app/sign-in');
  assert.deepEqual([...new Set(requested)], [baseUrl]);
});
