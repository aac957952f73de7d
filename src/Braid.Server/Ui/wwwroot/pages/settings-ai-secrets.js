import { api } from '../api.js';
import { session } from '../session.js';
import { h, replace } from '../dom.js';
import { time } from '../format.js';
import { confirmButton } from '../components/confirm.js';
import { attempt } from '../components/attempt.js';
import { settingsContext, settingsNav, settingsTable } from '../components/settings-nav.js';

// Provider types the AI proxy knows, offered as suggestions; any other type may be typed.
const TYPES = ['openai', 'anthropic', 'google', 'mistral', 'together', 'groq', 'fireworks', 'perplexity', 'xAI', 'azure', 'bedrock', 'vertex'];

/**
 * The organization's AI provider secrets: name, type and when last updated, never a value. Saving sends the value
 * from a password input (cleared right after) to PUT /v1/ai_secret, which creates the secret or replaces the one
 * of that name; the value is never read back.
 */
export async function renderAiSecrets(page, { isCurrent, setContext }) {
  setContext(settingsContext(session.orgName, 'AI secrets'));
  const list = h('div', { class: 'table-wrap' });
  const error = h('p', { class: 'error', role: 'alert' });
  const name = h('input', { id: 'secret-name', required: true, autocomplete: 'off', placeholder: 'OPENAI_API_KEY' });
  const type = h('input', { id: 'secret-type', list: 'secret-types', autocomplete: 'off', placeholder: 'openai' });
  const value = h('input', { id: 'secret-value', type: 'password', required: true, autocomplete: 'new-password' });
  replace(page, settingsNav('ai-secrets'),
    h('div', { class: 'toolbar' }, h('h1', { text: 'AI secrets' })),
    h('form', { class: 'toolbar', onsubmit: save },
      h('label', { for: 'secret-name', text: 'Name' }), name,
      h('label', { for: 'secret-type', text: 'Type' }), type,
      h('datalist', { id: 'secret-types' }, TYPES.map((t) => h('option', { value: t }))),
      h('label', { for: 'secret-value', text: 'Value' }), value,
      h('button', { type: 'submit', class: 'primary', text: 'Save secret' })),
    h('p', { class: 'muted small', text: 'Saving a name that exists replaces its value. Values are write-only: Braid never shows them again.' }),
    error, list);
  await show();

  function show() {
    return attempt(isCurrent, list, async () => {
      const { objects: secrets } = await api.aiSecrets();
      if (!isCurrent()) return;
      replace(list, settingsTable('ai-secrets', ['Name', 'Type', 'Updated', ''], secrets.map((secret) => h('tr', { dataset: { secretId: secret.id } },
          h('td', { class: 'mono', text: secret.name }),
          h('td', { text: secret.type ?? '' }),
          h('td', { class: 'muted', text: time(secret.updated_at ?? secret.created) }),
          h('td', { class: 'actions' }, confirmButton({ label: 'Delete', question: `Delete ${secret.name}?`, action: async () => {
            await api.deleteAiSecret(secret.id);
            if (isCurrent()) await show();
          } })))), 'No AI secrets.'));
    });
  }

  async function save(event) {
    event.preventDefault();
    const secret = value.value;
    // The value leaves the input at once: it is in the page only while typed.
    value.value = '';
    await attempt(isCurrent, error, async () => {
      const kind = type.value.trim();
      await api.putAiSecret({ name: name.value.trim(), secret, ...(kind ? { type: kind } : {}) });
      if (!isCurrent()) return;
      name.value = '';
      type.value = '';
      await show();
    });
  }
}
