import { api } from '../api.js';
import { session } from '../session.js';
import { h, replace } from '../dom.js';
import { attempt } from '../components/attempt.js';
import { settingsContext, settingsNav, settingsTable } from '../components/settings-nav.js';

/** The organization's groups: create one, and add or remove its member users. */
export async function renderGroups(page, { isCurrent, setContext }) {
  setContext(settingsContext(session.orgName, 'Groups'));
  const list = h('div', { class: 'table-wrap' });
  const error = h('p', { class: 'error', role: 'alert' });
  const name = h('input', { id: 'group-name', required: true, autocomplete: 'off' });
  const description = h('input', { id: 'group-description', autocomplete: 'off' });
  replace(page, settingsNav('groups'),
    h('div', { class: 'toolbar' }, h('h1', { text: 'Groups' })),
    h('form', { class: 'toolbar', onsubmit: create },
      h('label', { for: 'group-name', text: 'Name' }), name,
      h('label', { for: 'group-description', text: 'Description' }), description,
      h('button', { type: 'submit', class: 'primary', text: 'Create group' })),
    error, list);
  let groups = [];
  await show();

  function show() {
    return attempt(isCurrent, list, async () => {
      const [groupList, { objects: users }] = await Promise.all([api.groups(), api.users()]);
      if (!isCurrent()) return;
      groups = groupList.objects;
      const email = new Map(users.map((u) => [u.id, u.email ?? u.id]));
      replace(list, settingsTable('groups', ['Group', 'Description', 'Members', 'Add a member'], groups.map((group) => {
          const members = group.member_users ?? [];
          const others = users.filter((u) => !members.includes(u.id));
          const picker = h('select', { 'aria-label': `Member to add to ${group.name}` },
            others.map((u) => h('option', { value: u.id, text: u.email ?? u.id })));
          return h('tr', { dataset: { groupId: group.id } },
            h('td', { text: group.name }),
            h('td', { class: 'muted', text: group.description ?? '' }),
            h('td', { class: 'members-cell' }, members.map((id) => h('span', { class: 'chip' }, email.get(id) ?? id,
              h('button', { type: 'button', class: 'chip-remove', 'aria-label': `Remove ${email.get(id) ?? id} from ${group.name}`, text: '×',
                onclick: () => change(group.id, { remove_member_users: [id] }) })))),
            h('td', { class: 'actions' }, others.length === 0 ? h('span', { class: 'muted small', text: 'everyone is in' }) : [picker,
              h('button', { type: 'button', text: 'Add', onclick: () => change(group.id, { add_member_users: [picker.value] }) })]));
        })));
    });
  }

  async function change(id, changes) {
    await attempt(isCurrent, error, async () => {
      await api.patchGroup(id, changes);
      if (isCurrent()) await show();
    });
  }

  async function create(event) {
    event.preventDefault();
    const wanted = name.value.trim();
    // POST /v1/group returns an existing group of that name unchanged; say so rather than seem to create it.
    if (groups.some((g) => g.name === wanted)) {
      error.textContent = `A group named '${wanted}' already exists.`;
      return;
    }
    await attempt(isCurrent, error, async () => {
      await api.createGroup({ name: wanted, description: description.value.trim() || null });
      if (!isCurrent()) return;
      name.value = '';
      description.value = '';
      await show();
    });
  }
}
