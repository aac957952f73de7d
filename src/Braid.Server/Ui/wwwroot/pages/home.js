import { api } from '../api.js';
import { session } from '../session.js';
import { h, replace } from '../dom.js';
import { time } from '../format.js';
import { projectPath } from '../components/project-nav.js';

/** The organization picker and the organization's projects, each linking to its logs. */
export async function renderHome(page, { isCurrent, setContext }) {
  const me = await api.me();
  if (!isCurrent()) return;
  const organizations = me.organizations ?? [];
  if (!organizations.some((o) => o.name === session.orgName)) session.useOrg(organizations[0]?.name ?? '');

  const list = h('div', { class: 'projects' });
  const picker = h('select', { id: 'org-picker', onchange: () => { session.useOrg(picker.value); showProjects().catch(showError); } },
    organizations.map((o) => h('option', { value: o.name, selected: o.name === session.orgName, text: o.name })));
  replace(page,
    h('div', { class: 'toolbar' }, h('h1', { text: 'Projects' }),
      h('label', { class: 'inline', for: 'org-picker', text: 'Organization' }), picker),
    list);
  await showProjects();

  function showError(error) {
    replace(list, h('p', { class: 'error', role: 'alert', text: error.message }));
  }

  async function showProjects() {
    setContext([{ label: session.orgName }]);
    replace(list, h('p', { class: 'muted', text: 'Loading projects…' }));
    const { objects } = await api.projects(session.orgName);
    if (!isCurrent()) return;
    if (objects.length === 0) {
      replace(list, h('p', { class: 'muted', text: 'No projects yet. Log from an SDK or create one through the API.' }));
      return;
    }
    replace(list, h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, h('th', { text: 'Project' }), h('th', { text: 'Created' }))),
      h('tbody', {}, objects.map((p) => h('tr', {},
        h('td', {}, h('a', { href: projectPath(p.id, 'logs'), text: p.name })),
        h('td', { class: 'muted', text: time(p.created) }))))));
  }
}
