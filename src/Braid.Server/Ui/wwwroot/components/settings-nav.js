import { h } from '../dom.js';

// The organization's settings, in the order of their tabs.
const SECTIONS = [
  ['members', 'Members'], ['groups', 'Groups'], ['roles', 'Roles'], ['api-keys', 'API keys'], ['ai-secrets', 'AI secrets'],
];

export const settingsPath = (section) => `/app/settings/${section}`;

/** The settings tabs, `active` ('members', 'groups', …) marked as the current page. */
export function settingsNav(active) {
  return h('nav', { class: 'tabs', 'aria-label': 'Settings' }, SECTIONS.map(([section, label]) =>
    h('a', { href: settingsPath(section), 'aria-current': section === active ? 'page' : false, text: label })));
}

/** The top-bar breadcrumb of a settings page: organization / Settings / section. */
export function settingsContext(orgName, label) {
  return [{ label: orgName, href: '/app/' }, { label: 'Settings', href: settingsPath('members') }, { label }];
}

/** A settings list: a table with these column headers and rows, or `empty` said plainly when there are no rows. */
export function settingsTable(name, headers, rows, empty) {
  if (rows.length === 0 && empty) return h('p', { class: 'muted empty', text: empty });
  return h('table', { class: `grid ${name}` },
    h('thead', {}, h('tr', {}, headers.map((label) => h('th', { text: label })))),
    h('tbody', {}, rows));
}
