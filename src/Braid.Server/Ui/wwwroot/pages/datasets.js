import { api, literal } from '../api.js';
import { h, replace } from '../dom.js';
import { count, time } from '../format.js';
import { projectNav, projectPath } from '../components/project-nav.js';

/**
 * The project's datasets with their record counts: the list from /v1/dataset, the counts from one /btql aggregation
 * over all of them (one request however many datasets, rather than a summarize call each).
 */
export async function renderDatasets(page, { params, isCurrent, navigate, setContext }) {
  const { projectId } = params;
  const base = projectPath(projectId, 'datasets');
  const [project, { objects }] = await Promise.all([api.project(projectId), api.datasets(projectId)]);
  if (!isCurrent()) return;
  setContext([{ label: project.name, href: projectPath(projectId, 'logs') }, { label: 'Datasets' }]);

  const counts = new Map();
  const error = h('p', { class: 'error', role: 'alert' });
  if (objects.length > 0) {
    try {
      const result = await api.btql(`dimensions: dataset_id | measures: count(1) as records | from: dataset(${objects.map((d) => literal(d.id)).join(', ')})`);
      for (const row of result.data) counts.set(row.dataset_id, row.records);
    } catch (e) {
      if (!isCurrent()) return;
      error.textContent = `Record counts unavailable: ${e.message}`;
    }
    if (!isCurrent()) return;
  }

  replace(page, projectNav(projectId, 'datasets'), h('div', { class: 'toolbar' }, h('h1', { text: 'Datasets' })), error,
    objects.length === 0
      ? h('p', { class: 'muted empty', text: 'No datasets yet. Create one from an SDK (initDataset) or through the API.' })
      : h('div', { class: 'table-wrap' }, h('table', { class: 'grid datasets' },
        h('thead', {}, h('tr', {}, ['Name', 'Description', 'Records', 'Created'].map((label) => h('th', { text: label })))),
        h('tbody', {}, objects.map((dataset) => {
          const href = `${base}/${encodeURIComponent(dataset.id)}`;
          return h('tr', { class: 'clickable', onclick: (e) => { if (!e.target.closest('a')) navigate(href); } },
            h('td', {}, h('a', { href, text: dataset.name })),
            h('td', { class: 'muted', text: dataset.description ?? '' }),
            // A dataset with no live records has no group in the aggregation.
            h('td', { class: 'num', text: error.textContent ? '' : count(counts.get(dataset.id) ?? 0) }),
            h('td', { class: 'nowrap', text: time(dataset.created) }));
        })))));
}
