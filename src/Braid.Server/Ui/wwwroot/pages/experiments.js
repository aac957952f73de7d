import { api, literal } from '../api.js';
import { h, replace } from '../dom.js';
import { count, percent, preview, time } from '../format.js';
import { projectNav, projectPath } from '../components/project-nav.js';
import { sparkline } from '../components/sparkline.js';

/**
 * A project's experiments, newest first, with each one's test cases and score averages, and a sparkline per score
 * across them. However many experiments there are, that is four requests: the project, its experiments, and two
 * grouped /btql queries over all of them (score averages by unpivoting scores, and root spans counted).
 */
export async function renderExperiments(page, { params, isCurrent, setContext }) {
  const { projectId } = params;
  const base = projectPath(projectId, 'experiments');
  const [project, { objects: experiments }] = await Promise.all([api.project(projectId), api.experiments(projectId)]);
  if (!isCurrent()) return;
  setContext([{ label: project.name, href: projectPath(projectId, 'logs') }, { label: 'Experiments' }]);
  const heading = h('div', { class: 'toolbar' }, h('h1', { text: 'Experiments' }),
    h('span', { class: 'muted', text: `${experiments.length} experiment${experiments.length === 1 ? '' : 's'}` }));
  if (experiments.length === 0) {
    replace(page, projectNav(projectId, 'experiments'), heading,
      h('p', { class: 'muted', text: 'No experiments yet. Run an Eval from an SDK or create one through the API.' }));
    return;
  }

  const from = `from: experiment(${experiments.map((e) => literal(e.id)).join(', ')})`;
  const [scores, rows] = await Promise.all([
    api.btql(`${from} | unpivot: scores as (score, value) | dimensions: experiment_id, score | measures: avg(value) as avg | limit: 100000`),
    api.btql(`${from} | filter: is_root | dimensions: experiment_id | measures: count(1) as rows | limit: 100000`),
  ]);
  if (!isCurrent()) return;

  // averages.get(experimentId).get(score) → average; names sorted so columns and charts keep one order.
  const averages = new Map(experiments.map((e) => [e.id, new Map()]));
  for (const { experiment_id: id, score, avg } of scores.data) averages.get(id)?.set(score, avg);
  const rowCounts = new Map(rows.data.map((r) => [r.experiment_id, r.rows]));
  const names = [...new Set(scores.data.map((r) => r.score))].sort();

  const chronological = [...experiments].reverse();
  const charts = names.map((name) => sparkline(name, chronological.map((e) => {
    const value = averages.get(e.id).get(name);
    return { label: e.name, value, text: percent(value) };
  })));

  replace(page, projectNav(projectId, 'experiments'), heading,
    names.length > 0 ? h('section', { class: 'sparklines', 'aria-label': 'Scores across experiments' }, charts) : null,
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid experiments' },
      h('thead', {}, h('tr', {}, ['Experiment', 'Created', 'Commit', 'Metadata', 'Rows', ...names]
        .map((label, i) => h('th', { class: i >= 4 ? 'num' : null, text: label })))),
      h('tbody', {}, experiments.map((e) => h('tr', { dataset: { experimentId: e.id } },
        h('td', { class: 'nowrap' }, h('a', { href: `${base}/${encodeURIComponent(e.id)}`, text: e.name })),
        h('td', { class: 'nowrap muted', text: time(e.created) }),
        h('td', { class: 'nowrap', text: commit(e.repo_info) }),
        h('td', { class: 'preview', text: e.metadata ? preview(e.metadata, 80) : '' }),
        h('td', { class: 'num', text: count(rowCounts.get(e.id) ?? 0) }),
        names.map((name) => h('td', { class: 'num', text: percent(averages.get(e.id).get(name)) }))))))));
}

/** The commit an SDK records (repo_info.commit), shortened as git does, with its branch. */
function commit(repo) {
  if (!repo?.commit) return '';
  return repo.branch ? `${repo.commit.slice(0, 7)} (${repo.branch})` : repo.commit.slice(0, 7);
}
