import { api } from '../api.js';
import { session } from '../session.js';
import { h, replace } from '../dom.js';
import { attempt } from '../components/attempt.js';
import { settingsContext, settingsNav, settingsTable } from '../components/settings-nav.js';

// The permissions a role grants (the spec's Permission enum).
const PERMISSIONS = ['create', 'read', 'update', 'delete', 'create_acls', 'read_acls', 'update_acls', 'delete_acls'];

/** The organization's roles (the built-in ones first) and a form to create one from a set of permissions. */
export async function renderRoles(page, { isCurrent, setContext }) {
  setContext(settingsContext(session.orgName, 'Roles'));
  const list = h('div', { class: 'table-wrap' });
  const error = h('p', { class: 'error', role: 'alert' });
  const name = h('input', { id: 'role-name', required: true, autocomplete: 'off' });
  const description = h('input', { id: 'role-description', autocomplete: 'off' });
  const boxes = PERMISSIONS.map((p) => h('input', { type: 'checkbox', id: `perm-${p}`, value: p }));
  replace(page, settingsNav('roles'),
    h('div', { class: 'toolbar' }, h('h1', { text: 'Roles' })),
    h('form', { class: 'card role-form', onsubmit: create },
      h('div', { class: 'toolbar' }, h('label', { for: 'role-name', text: 'Name' }), name,
        h('label', { for: 'role-description', text: 'Description' }), description),
      h('fieldset', { class: 'permissions' }, h('legend', { text: 'Permissions' }),
        boxes.map((box) => h('label', { class: 'check' }, box, box.value))),
      h('button', { type: 'submit', class: 'primary', text: 'Create role' })),
    error, list);
  let roles = [];
  await show();

  function show() {
    return attempt(isCurrent, list, async () => {
      const result = await api.roles();
      if (!isCurrent()) return;
      roles = result.objects;
      // Built-in roles belong to no organization.
      const ordered = [...roles.filter((r) => !r.org_id), ...roles.filter((r) => r.org_id)];
      replace(list, settingsTable('roles', ['Role', 'Description', 'Permissions'], ordered.map((role) => h('tr', { dataset: { roleId: role.id } },
          h('td', {}, role.name, role.org_id ? null : h('span', { class: 'badge', text: 'built-in' })),
          h('td', { class: 'muted', text: role.description ?? '' }),
          h('td', {}, (role.member_permissions ?? []).map((p) => h('span', { class: 'chip',
            text: p.restrict_object_type ? `${p.permission} (${p.restrict_object_type})` : p.permission })))))));
    });
  }

  async function create(event) {
    event.preventDefault();
    const wanted = name.value.trim();
    // POST /v1/role returns an existing role of that name unchanged; say so rather than seem to create it.
    if (roles.some((r) => r.name === wanted && r.org_id)) {
      error.textContent = `A role named '${wanted}' already exists.`;
      return;
    }
    const permissions = boxes.filter((b) => b.checked).map((b) => ({ permission: b.value, restrict_object_type: null }));
    await attempt(isCurrent, error, async () => {
      await api.createRole({ name: wanted, description: description.value.trim() || null, member_permissions: permissions });
      if (!isCurrent()) return;
      name.value = '';
      description.value = '';
      for (const box of boxes) box.checked = false;
      await show();
    });
  }
}
