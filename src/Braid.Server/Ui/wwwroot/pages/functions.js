import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { time, xactTime } from '../format.js';
import { projectNav, projectPath } from '../components/project-nav.js';

// Prompts and functions share one shape (a function is a prompt plus function_data), so one list serves both tabs.
const KINDS = {
  prompt: { section: 'prompts', title: 'Prompts', empty: 'No prompts yet. Push some with the SDK or create one through the API.' },
  function: { section: 'functions', title: 'Functions', empty: 'No functions yet. Push some with `braintrust push` or create one through the API.' },
};

export const renderPrompts = (page, context) => renderList('prompt', page, context);
export const renderFunctions = (page, context) => renderList('function', page, context);

/** What a prompt or function is, in a word: its function_type (scorer, tool, …), else what its definition holds. */
export function kindLabel(object) {
  return object.function_type ?? object.function_data?.type ?? (object.prompt_data ? 'prompt' : '');
}

async function renderList(kind, page, { params, isCurrent, navigate, setContext }) {
  const { projectId } = params;
  const { section, title, empty } = KINDS[kind];
  const base = projectPath(projectId, section);
  const [project, { objects }] = await Promise.all([api.project(projectId), api.functions(kind, projectId)]);
  if (!isCurrent()) return;
  setContext([{ label: project.name, href: projectPath(projectId, 'logs') }, { label: title }]);

  replace(page, projectNav(projectId, section), h('div', { class: 'toolbar' }, h('h1', { text: title })),
    objects.length === 0
      ? h('p', { class: 'muted empty', text: empty })
      : h('div', { class: 'table-wrap' }, h('table', { class: `grid ${section}` },
        h('thead', {}, h('tr', {}, ['Name', 'Slug', 'Type', 'Description', 'Updated'].map((label) => h('th', { text: label })))),
        h('tbody', {}, objects.map((object) => {
          const href = `${base}/${encodeURIComponent(object.id)}`;
          return h('tr', { class: 'clickable', onclick: (e) => { if (!e.target.closest('a')) navigate(href); } },
            h('td', {}, h('a', { href, text: object.name })),
            h('td', { class: 'mono', text: object.slug }),
            h('td', {}, kindLabel(object) ? h('span', { class: 'chip', text: kindLabel(object) }) : null),
            h('td', { class: 'muted', text: object.description ?? '' }),
            // The current version's transaction id says when it was last saved.
            h('td', { class: 'nowrap', text: time(xactTime(object._xact_id)) }));
        })))));
}
