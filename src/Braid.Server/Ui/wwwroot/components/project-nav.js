import { h } from '../dom.js';

// The project's sections, in the order of the tabs under its name.
const SECTIONS = [
  ['logs', 'Logs'], ['experiments', 'Experiments'], ['datasets', 'Datasets'], ['prompts', 'Prompts'],
  ['functions', 'Functions'], ['monitor', 'Monitor'],
];

/** The URL of a project's section (and anything under it): projectPath(id, 'logs', rootSpanId) → /app/projects/…/logs/…. */
export function projectPath(projectId, ...parts) {
  return ['/app/projects', projectId, ...parts].map((p, i) => (i === 0 ? p : encodeURIComponent(p))).join('/');
}

/** The tabs of a project's sections, `active` ('logs', 'experiments', …) marked as the current page. */
export function projectNav(projectId, active) {
  return h('nav', { class: 'tabs', 'aria-label': 'Project' }, SECTIONS.map(([section, label]) =>
    h('a', { href: projectPath(projectId, section), 'aria-current': section === active ? 'page' : false, text: label })));
}
