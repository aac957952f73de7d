import { api, literal } from '../api.js';
import { h, replace } from '../dom.js';
import { jsonView } from '../components/json-view.js';
import { flattenTree, spanTree } from '../components/span-tree.js';
import { projectNav, projectPath } from '../components/project-nav.js';

// Spans of one trace read at once; a trace larger than this says so rather than paging a tree.
const SPAN_LIMIT = 1000;

/**
 * One trace: its span tree and waterfall on the left, the selected span's fields on the right. The trace is in the
 * project's logs, or in an experiment when the route names one (a test case opened from the experiment's page).
 */
export async function renderTrace(page, { params, query, isCurrent, setContext }) {
  const { projectId, experimentId, rootSpanId } = params;
  const logs = projectPath(projectId, 'logs');
  const section = experimentId ? 'experiments' : 'logs';
  const back = experimentId ? projectPath(projectId, 'experiments', experimentId) : logs;
  const source = experimentId ? `experiment(${literal(experimentId)})` : `project_logs(${literal(projectId)})`;
  const [project, experiment, result] = await Promise.all([
    api.project(projectId),
    experimentId ? api.experiment(experimentId) : null,
    api.btql(`select: * | from: ${source} spans | filter: root_span_id = ${literal(rootSpanId)} | limit: ${SPAN_LIMIT}`),
  ]);
  if (!isCurrent()) return;
  setContext([{ label: project.name, href: logs },
    ...(experiment
      ? [{ label: 'Experiments', href: projectPath(projectId, 'experiments') }, { label: experiment.name, href: back }]
      : [{ label: 'Logs', href: logs }]),
    { label: 'Trace' }]);
  const spans = result.data;
  if (spans.length === 0) {
    replace(page, projectNav(projectId, section), h('h1', { text: 'Trace' }), h('p', { class: 'muted', text: `No spans with root_span_id ${rootSpanId}.` }));
    return;
  }

  const rows = flattenTree(spans);
  const tree = h('section', { class: 'tree-pane' });
  const detail = h('section', { class: 'detail-pane', 'aria-label': 'Span details' });
  replace(page, projectNav(projectId, section),
    h('div', { class: 'toolbar' }, h('h1', { text: rows[0].span.span_attributes?.name ?? 'Trace' }),
      h('span', { class: 'muted', text: `${spans.length} span${spans.length === 1 ? '' : 's'}` }),
      result.cursor ? h('span', { class: 'warning', text: `Showing the first ${SPAN_LIMIT} spans.` }) : null),
    h('div', { class: 'trace' }, tree, detail));
  const wanted = query.get('span');
  show(spans.some((s) => s.span_id === wanted) ? wanted : rows[0].span.span_id, false);

  // Picking a span redraws the two panes from the spans already read; the URL keeps the pick for reloads and links.
  function show(spanId, focus = true) {
    history.replaceState(null, '', `${back}/${encodeURIComponent(rootSpanId)}?span=${encodeURIComponent(spanId)}`);
    replace(tree, spanTree(rows, spanId, show));
    replace(detail, details(spans.find((s) => s.span_id === spanId)));
    if (focus) tree.querySelector(`[data-span-id="${CSS.escape(spanId)}"]`)?.focus({ preventScroll: true });
  }
}

function details(span) {
  const fields = [
    ['Input', span.input], ['Output', span.output], ['Expected', span.expected], ['Error', span.error],
    ['Metadata', span.metadata], ['Scores', span.scores], ['Metrics', span.metrics], ['Tags', span.tags],
  ].filter(([, value]) => value !== undefined && value !== null);
  return [
    h('h2', { text: span.span_attributes?.name ?? span.span_id }),
    h('p', { class: 'muted small', text: `span ${span.span_id}${span.span_attributes?.type ? ` · ${span.span_attributes.type}` : ''}` }),
    fields.map(([label, value]) => h('details', { class: 'field', open: true, dataset: { field: label.toLowerCase() } },
      h('summary', { text: label }), jsonView(value))),
  ];
}
