import { api } from '../api.js';
import { session } from '../session.js';
import { h, replace } from '../dom.js';
import { time } from '../format.js';
import { confirmButton } from '../components/confirm.js';
import { attempt } from '../components/attempt.js';
import { settingsContext, settingsNav, settingsTable } from '../components/settings-nav.js';

/** The organization's members: invite by email (PATCH /v1/organization/members), list, remove. */
export async function renderMembers(page, { isCurrent, setContext }) {
  setContext(settingsContext(session.orgName, 'Members'));
  const list = h('div', { class: 'table-wrap' });
  const error = h('p', { class: 'error', role: 'alert' });
  const email = h('input', { id: 'invite-email', type: 'email', required: true, placeholder: 'name@example.com', autocomplete: 'off' });
  replace(page, settingsNav('members'),
    h('div', { class: 'toolbar' }, h('h1', { text: 'Members' })),
    h('form', { class: 'toolbar', onsubmit: invite },
      h('label', { for: 'invite-email', text: 'Invite by email' }), email, h('button', { type: 'submit', class: 'primary', text: 'Invite' })),
    error, list);
  await show();

  function show() {
    return attempt(isCurrent, list, async () => {
      const [{ objects: users }, me] = await Promise.all([api.users(), api.me()]);
      if (!isCurrent()) return;
      replace(list, settingsTable('members', ['Email', 'Name', 'Joined', ''], users.map((user) => h('tr', { dataset: { userId: user.id } },
          h('td', { text: user.email ?? '' }),
          h('td', { text: [user.given_name, user.family_name].filter(Boolean).join(' ') }),
          h('td', { class: 'muted', text: time(user.created) }),
          // Removing yourself would lock this key out of the organization mid-session; another owner can.
          h('td', { class: 'actions' }, user.id === me.id ? h('span', { class: 'muted small', text: 'you' }) : confirmButton({
            label: 'Remove', question: `Remove ${user.email}?`, action: async () => {
              await api.removeMember(user.id);
              if (isCurrent()) await show();
            },
          }))))));
    });
  }

  async function invite(event) {
    event.preventDefault();
    await attempt(isCurrent, error, async () => {
      await api.inviteMembers([email.value.trim()]);
      if (!isCurrent()) return;
      email.value = '';
      await show();
    });
  }
}
