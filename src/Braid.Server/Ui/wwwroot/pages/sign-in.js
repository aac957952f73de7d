import { api } from '../api.js';
import { session } from '../session.js';
import { h, replace } from '../dom.js';

/** Sign-in with an API key: checked with /api/self/me before it is kept (in sessionStorage, see session.js). */
export async function renderSignIn(page, { query, navigate }) {
  const error = h('p', { class: 'error', role: 'alert' });
  const input = h('input', { id: 'api-key', name: 'api-key', type: 'password', autocomplete: 'off', required: true, placeholder: 'sk-…' });
  const button = h('button', { type: 'submit', class: 'primary', text: 'Sign in' });
  const form = h('form', { class: 'card sign-in', onsubmit: submit },
    h('h1', { text: 'Sign in to Braid' }),
    h('label', { for: 'api-key', text: 'API key' }), input,
    h('p', { class: 'muted small', text: 'The key is kept in this tab only, until you sign out or close it.' }),
    button, error);
  replace(page, form);
  input.focus();

  async function submit(event) {
    event.preventDefault();
    const key = input.value.trim();
    button.disabled = true;
    error.textContent = '';
    try {
      const me = await api.me(key);
      session.signIn(key);
      const names = (me.organizations ?? []).map((o) => o.name);
      if (!names.includes(session.orgName)) session.useOrg(names[0] ?? '');
      const next = query.get('next');
      navigate(next && next.startsWith('/app/') ? next : '/app/', { replaceState: true });
    } catch (e) {
      error.textContent = e.status === 401 ? 'That API key is not valid.' : e.message;
      button.disabled = false;
    }
  }
}
