import { api, literal } from '../api.js';
import { h, replace } from '../dom.js';
import { cost, count, percent, preview, seconds, time, unescapePreview } from '../format.js';
import { projectNav, projectPath } from '../components/project-nav.js';
import { pagerControls } from '../components/pager.js';

const PAGE_SIZE = 50;

/**
 * The project's traces, newest first: one summary row per trace from /btql, a page at a time (the server's keyset
 * cursor, so traces logged meanwhile never shift a page). The filter box takes a BTQL/SQL expression as typed; the
 * server's 400 message is shown beside it.
 */
export async function renderLogs(page, { params, query, isCurrent, navigate, setContext }) {
  const { projectId } = params;
  const filter = query.get('filter') ?? '';
  const pageSize = Number(query.get('limit')) > 0 ? Number(query.get('limit')) : PAGE_SIZE;
  const base = projectPath(projectId, 'logs');

  const project = await api.project(projectId);
  if (!isCurrent()) return;
  setContext([{ label: project.name, href: base }, { label: 'Logs' }]);

  const input = h('input', { id: 'filter', name: 'filter', value: filter, class: 'filter', spellcheck: 'false',
    placeholder: "Filter, e.g. scores.accuracy < 0.5 or tags includes 'prod'" });
  const error = h('p', { class: 'error', role: 'alert', id: 'filter-error' });
  const body = h('div', { class: 'table-wrap' });
  const pager = h('div', { class: 'pager' });
  replace(page, projectNav(projectId, 'logs'),
    h('form', { class: 'toolbar', onsubmit: (e) => { e.preventDefault(); applyFilter(input.value.trim()); } },
      h('h1', { text: 'Logs' }), h('label', { class: 'sr-only', for: 'filter', text: 'Filter' }), input,
      h('button', { type: 'submit', text: 'Apply' }),
      filter ? h('button', { type: 'button', text: 'Clear', onclick: () => applyFilter('') }) : null),
    error, body, pager);

  // Each page's cursor; cursors[0] is the first page (none).
  const cursors = [null];
  await show(0);

  function applyFilter(text) {
    const next = new URLSearchParams(query);
    if (text) next.set('filter', text); else next.delete('filter');
    navigate(next.size ? `${base}?${next}` : base);
  }

  async function show(index) {
    // The filter goes last, so an unfinished one ends the query ("found end of query") and its position can be
    // given within the filter box rather than within a query the user never saw.
    const clauses = ['select: *', `from: project_logs(${literal(projectId)}) summary`, `limit: ${pageSize}`];
    if (cursors[index]) clauses.push(`cursor: ${literal(cursors[index])}`);
    const prefix = `${clauses.join(' | ')} | filter: `;
    const text = filter ? prefix + filter : clauses.join(' | ');
    let result;
    try {
      result = await api.btql(text);
    } catch (e) {
      if (!isCurrent()) return;
      if (e.status !== 400) throw e;
      error.textContent = e.message.replace(/\(at line 1, column (\d+)\)$/,
        (whole, column) => (column > prefix.length ? `(at column ${column - prefix.length} of the filter)` : whole));
      input.setAttribute('aria-invalid', 'true');
      replace(body);
      replace(pager);
      return;
    }
    if (!isCurrent()) return;
    cursors[index + 1] = result.cursor;
    replace(body, result.data.length === 0
      ? h('p', { class: 'muted empty', text: filter ? 'No traces match this filter.' : 'No traces logged yet.' })
      : table(result.data));
    replace(pager, pagerControls({ index, result, pageSize, show, back: '← Newer', forward: 'Older →' }));
  }

  function table(rows) {
    return h('table', { class: 'grid logs' },
      h('thead', {}, h('tr', {}, ['Created', 'Name', 'Input', 'Output', 'Scores', 'Tokens', 'Cost', 'Duration', 'Tags']
        .map((label) => h('th', { text: label })))),
      h('tbody', {}, rows.map(row)));
  }

  function row(trace) {
    const href = `${base}/${encodeURIComponent(trace.root_span_id)}`;
    const m = trace.metrics ?? {};
    return h('tr', { class: 'clickable', dataset: { rootSpanId: trace.root_span_id },
      onclick: (e) => { if (!e.target.closest('a')) navigate(href); } },
      h('td', { class: 'nowrap' }, h('a', { href, text: time(trace.created) })),
      h('td', { class: 'nowrap', text: trace.span_attributes?.name ?? '' }),
      h('td', { class: 'preview', text: preview(unescapePreview(trace.input)) }),
      h('td', { class: 'preview', text: trace.error ? `Error: ${preview(unescapePreview(trace.error))}` : preview(unescapePreview(trace.output)) }),
      h('td', {}, Object.entries(trace.scores ?? {}).filter(([, v]) => typeof v === 'number')
        .map(([name, v]) => h('span', { class: 'chip score', text: `${name} ${percent(v)}` }))),
      h('td', { class: 'num', text: count(m.total_tokens ?? m.tokens) }),
      h('td', { class: 'num', text: cost(m.estimated_cost) }),
      h('td', { class: 'num', text: seconds(m.duration) }),
      h('td', {}, (trace.tags ?? []).map((tag) => h('span', { class: 'chip', text: tag }))));
  }
}
