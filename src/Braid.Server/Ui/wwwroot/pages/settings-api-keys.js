import { api } from '../api.js';
import { session } from '../session.js';
import { h, replace } from '../dom.js';
import { time } from '../format.js';
import { confirmButton } from '../components/confirm.js';
import { attempt } from '../components/attempt.js';
import { settingsContext, settingsNav, settingsTable } from '../components/settings-nav.js';

/**
 * The user's API keys: name, preview and created. A new key's raw value comes back from the create call only, so it
 * is shown once, here, with a copy button; the page keeps it in no storage and a reload shows only its preview.
 */
export async function renderApiKeys(page, { isCurrent, setContext }) {
  setContext(settingsContext(session.orgName, 'API keys'));
  const list = h('div', { class: 'table-wrap' });
  const error = h('p', { class: 'error', role: 'alert' });
  const created = h('div');
  const name = h('input', { id: 'key-name', required: true, autocomplete: 'off', placeholder: 'e.g. ci' });
  replace(page, settingsNav('api-keys'),
    h('div', { class: 'toolbar' }, h('h1', { text: 'API keys' })),
    h('form', { class: 'toolbar', onsubmit: create },
      h('label', { for: 'key-name', text: 'Key name' }), name, h('button', { type: 'submit', class: 'primary', text: 'Create key' })),
    error, created, list);
  await show();

  function show() {
    return attempt(isCurrent, list, async () => {
      const { objects: keys } = await api.apiKeys();
      if (!isCurrent()) return;
      replace(list, settingsTable('api-keys', ['Name', 'Key', 'Created', ''], keys.map((key) => h('tr', { dataset: { keyId: key.id } },
          h('td', { text: key.name }),
          h('td', { class: 'mono', text: key.preview_name ?? '' }),
          h('td', { class: 'muted', text: time(key.created) }),
          h('td', { class: 'actions' }, confirmButton({ label: 'Delete', question: `Delete key ${key.name}?`, action: async () => {
            await api.deleteApiKey(key.id);
            if (isCurrent()) await show();
          } })))), 'No API keys.'));
    });
  }

  async function create(event) {
    event.preventDefault();
    await attempt(isCurrent, error, async () => {
      const key = await api.createApiKey(name.value.trim());
      if (!isCurrent()) return;
      name.value = '';
      replace(created, newKey(key));
      await show();
    });
  }
}

function newKey(key) {
  const value = h('input', { id: 'new-key', class: 'mono', readonly: true, value: key.key, 'aria-label': `New key ${key.name}` });
  const status = h('span', { class: 'muted small', role: 'status' });
  const copy = h('button', { type: 'button', text: 'Copy', onclick: async () => {
    try {
      await navigator.clipboard.writeText(key.key);
      status.textContent = 'Copied.';
    } catch {
      // Without clipboard access (an http page on another host), select the text so the user can copy it.
      value.select();
      status.textContent = 'Selected: press Ctrl+C to copy.';
    }
  } });
  return h('div', { class: 'card new-key', role: 'region', 'aria-label': 'New API key' },
    h('p', { class: 'warning', text: `Copy the key ${key.name} now: it is shown only this once and cannot be read again.` }),
    h('div', { class: 'toolbar' }, value, copy, status));
}
