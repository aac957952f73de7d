import { api, literal } from '../api.js';
import { h, replace } from '../dom.js';
import { cost, count, percent, preview, seconds, unescapePreview } from '../format.js';
import { projectNav, projectPath } from '../components/project-nav.js';
import { baseRowsFor } from '../components/base-rows.js';
import { pagerControls } from '../components/pager.js';

const PAGE_SIZE = 50;

/**
 * One experiment: its score averages on top, then its test cases (one summary row per trace from /btql, a page at a
 * time), each opening its trace. Compared with a base experiment (?compare=id, or the picker; by default its
 * base_exp_id, else the project's previous experiment, as Braintrust does), the averages carry their diffs and
 * counts of improvements and regressions (the summarize endpoint, over the whole experiment), and each row's scores
 * are set against the base row with the same input, found for the rows on screen only.
 */
export async function renderExperiment(page, { params, query, isCurrent, navigate, setContext }) {
  const { projectId, experimentId } = params;
  const pageSize = Number(query.get('limit')) > 0 ? Number(query.get('limit')) : PAGE_SIZE;
  const list = projectPath(projectId, 'experiments');
  const self = projectPath(projectId, 'experiments', experimentId);
  const [project, experiment, { objects: experiments }] =
    await Promise.all([api.project(projectId), api.experiment(experimentId), api.experiments(projectId)]);
  if (!isCurrent()) return;
  setContext([{ label: project.name, href: projectPath(projectId, 'logs') }, { label: 'Experiments', href: list },
    { label: experiment.name }]);

  const others = experiments.filter((e) => e.id !== experimentId);
  const baseId = query.get('compare') === 'none' ? null : query.get('compare') || defaultBase(experiment, experiments);
  // A base from another project (a hand-made ?compare=) is not among the project's experiments but still compares.
  const base = others.find((e) => e.id === baseId) ?? (baseId ? await api.experiment(baseId) : null);
  if (!isCurrent()) return;
  // The first page of rows is read while the whole experiment is summarized, rather than after: on a large
  // experiment the summary is the slow call, and the rows need not wait for it.
  const cursors = [null]; // each page's cursor; the first page has none
  let firstPage = api.btql(rowsQuery(0));
  firstPage.catch(() => {}); // its failure is reported where it is awaited
  const summary = await api.summarize(experimentId, base?.id);
  if (!isCurrent()) return;
  const scoreNames = Object.keys(summary.scores ?? {}).sort();

  const picker = h('select', { id: 'compare', onchange: () => navigate(`${self}?compare=${encodeURIComponent(picker.value || 'none')}`) },
    h('option', { value: '', text: 'Nothing', selected: !base }),
    others.map((e) => h('option', { value: e.id, text: e.name, selected: e.id === base?.id })));
  const error = h('p', { class: 'error', role: 'alert' });
  const body = h('div', { class: 'table-wrap' });
  const pager = h('div', { class: 'pager' });
  replace(page, projectNav(projectId, 'experiments'),
    h('div', { class: 'toolbar' }, h('h1', { text: experiment.name }),
      h('label', { class: 'inline', for: 'compare', text: 'Compare with' }), picker),
    scoreSummary(summary, scoreNames, base), error, body, pager);

  await show(0);

  function rowsQuery(index) {
    const clauses = ['select: *', `from: experiment(${literal(experimentId)}) summary`, `limit: ${pageSize}`];
    if (cursors[index]) clauses.push(`cursor: ${literal(cursors[index])}`);
    return clauses.join(' | ');
  }

  async function show(index) {
    const pending = index === 0 && firstPage ? firstPage : api.btql(rowsQuery(index));
    firstPage = null;
    const result = await pending;
    if (!isCurrent()) return;
    cursors[index + 1] = result.cursor;
    let matches = null;
    error.textContent = '';
    if (base && result.data.length > 0) {
      try {
        matches = await baseRowsFor(experimentId, base.id, result.data.map((r) => r.root_span_id));
      } catch (e) {
        if (!isCurrent()) return;
        error.textContent = `Could not match rows with ${base.name}: ${e.message}`;
      }
      if (!isCurrent()) return;
    }
    replace(body, result.data.length === 0
      ? h('p', { class: 'muted empty', text: 'No rows logged in this experiment yet.' })
      : table(result.data, matches));
    replace(pager, pagerControls({ index, result, pageSize, show }));
  }

  function table(rows, matches) {
    const names = [...new Set([...scoreNames, ...rows.flatMap((r) => Object.keys(r.scores ?? {}))])].sort();
    return h('table', { class: 'grid experiment-rows' },
      h('thead', {}, h('tr', {}, ['Input', 'Output', 'Expected'].map((label) => h('th', { text: label })),
        [...names, 'Tokens', 'Cost', 'Duration'].map((label) => h('th', { class: 'num', text: label })),
        matches ? h('th', { text: 'Base' }) : null)),
      h('tbody', {}, rows.map((r) => row(r, names, matches))));
  }

  function row(trace, names, matches) {
    const href = `${self}/${encodeURIComponent(trace.root_span_id)}`;
    const m = trace.metrics ?? {};
    const baseRow = matches?.get(trace.root_span_id);
    return h('tr', { class: 'clickable', dataset: { rootSpanId: trace.root_span_id },
      onclick: (e) => { if (!e.target.closest('a')) navigate(href); } },
      h('td', { class: 'preview' }, h('a', { href, text: preview(unescapePreview(trace.input)) || '(no input)' })),
      h('td', { class: 'preview', text: trace.error ? `Error: ${preview(unescapePreview(trace.error))}` : preview(unescapePreview(trace.output)) }),
      h('td', { class: 'preview', text: preview(unescapePreview(trace.expected)) }),
      names.map((name) => scoreCell(name, trace.scores?.[name], matches ? baseRow?.scores?.[name] : undefined)),
      h('td', { class: 'num', text: count(m.total_tokens ?? m.tokens) }),
      h('td', { class: 'num', text: cost(m.estimated_cost) }),
      h('td', { class: 'num', text: seconds(m.duration) }),
      matches ? h('td', { class: 'nowrap' }, baseRow
        ? h('a', { href: projectPath(projectId, 'experiments', base.id, baseRow.root_span_id), text: 'matched on input' })
        : h('span', { class: 'muted', text: 'no base row' })) : null);
  }
}

/** Braintrust's default baseline: the experiment's base_exp_id, else the newest experiment of the project before it. */
function defaultBase(experiment, experiments) {
  if (experiment.base_exp_id && experiments.some((e) => e.id === experiment.base_exp_id)) return experiment.base_exp_id;
  const index = experiments.findIndex((e) => e.id === experiment.id);
  return experiments[index + 1]?.id ?? null;
}

/** "▲ +30.0%" or "▼ -12.5%": a difference of two scores, as percentage points. */
function difference(diff) {
  return `${diff > 0 ? '▲ +' : '▼ -'}${(Math.abs(diff) * 100).toFixed(1)}%`;
}

const trend = (diff) => (diff > 0 ? 'improved' : diff < 0 ? 'regressed' : 'same');

/** A score of a row; against a base row, its difference colored by direction and the base value below it. */
function scoreCell(name, value, baseValue) {
  const cell = h('td', { class: 'num score-cell', dataset: { score: name } }, percent(value));
  if (typeof value === 'number' && typeof baseValue === 'number') {
    const diff = value - baseValue;
    cell.classList.add(trend(diff));
    if (diff !== 0) cell.append(' ', h('span', { class: 'delta', text: difference(diff) }));
    cell.append(h('div', { class: 'small muted', text: `base ${percent(baseValue)}` }));
  }
  return cell;
}

/** One card per score: the experiment's average and, against a base, its diff and how many rows went up or down. */
function scoreSummary(summary, names, base) {
  if (names.length === 0) return null;
  return h('section', { class: 'score-summary', 'aria-label': 'Score averages' }, names.map((name) => {
    const s = summary.scores[name];
    const compared = base && typeof s.diff === 'number';
    return h('article', { class: `score-card ${compared ? trend(s.diff) : ''}`, dataset: { score: name } },
      h('h2', { text: name }),
      h('p', { class: 'average' }, h('span', { text: percent(s.score) }),
        compared && s.diff !== 0 ? h('span', { class: 'delta', text: ` ${difference(s.diff)}` }) : null),
      compared ? h('p', { class: 'small muted counts', text: `vs ${base.name}: ${s.improvements ?? 0} improved, ${s.regressions ?? 0} regressed` }) : null);
  }));
}
