import { h } from '../dom.js';
import { seconds } from '../format.js';

/**
 * Orders a trace's spans as a tree: a span's parent is the first of its span_parents found in the trace; a span whose
 * parent is missing (not logged yet, or filtered) shows at the top rather than disappearing. Siblings run in start order.
 * Returns [{span, depth}] in display order.
 */
export function flattenTree(spans) {
  const bySpanId = new Map(spans.map((s) => [s.span_id, s]));
  const children = new Map();
  const tops = [];
  for (const span of spans) {
    const parent = (span.span_parents ?? []).find((id) => id !== span.span_id && bySpanId.has(id));
    if (parent) {
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(span);
    } else {
      tops.push(span);
    }
  }
  const order = (a, b) => (start(a) ?? Infinity) - (start(b) ?? Infinity) || String(a.created).localeCompare(String(b.created));
  const out = [];
  const seen = new Set();
  const walk = (span, depth) => {
    if (seen.has(span.span_id)) return; // a cycle in span_parents must not hang the page
    seen.add(span.span_id);
    out.push({ span, depth });
    for (const child of (children.get(span.span_id) ?? []).sort(order)) walk(child, depth + 1);
  };
  for (const top of tops.sort(order)) walk(top, 0);
  return out;
}

const start = (span) => (typeof span.metrics?.start === 'number' ? span.metrics.start : undefined);
const end = (span) => (typeof span.metrics?.end === 'number' ? span.metrics.end : undefined);

/**
 * The span tree with a timing waterfall beside it: each row is a span (indented by depth) and a bar placed by its
 * metrics.start/end within the whole trace. Spans without timings get no bar.
 */
export function spanTree(rows, selectedId, onSelect) {
  const starts = rows.map((r) => start(r.span)).filter((v) => v !== undefined);
  const ends = rows.map((r) => end(r.span) ?? start(r.span)).filter((v) => v !== undefined);
  const t0 = Math.min(...starts);
  const total = Math.max(Math.max(...ends) - t0, 1e-9);
  return h('ol', { class: 'span-tree', role: 'tree', 'aria-label': 'Spans' }, rows.map(({ span, depth }) => {
    const name = span.span_attributes?.name ?? span.span_id;
    const type = span.span_attributes?.type;
    const duration = start(span) !== undefined && end(span) !== undefined ? end(span) - start(span) : undefined;
    const bar = h('span', { class: `bar ${type ?? ''}` });
    if (start(span) !== undefined) {
      // Positioned through the CSSOM: style attributes in markup would break the page's Content-Security-Policy.
      bar.style.left = `${((start(span) - t0) / total) * 100}%`;
      bar.style.width = `${Math.max(((duration ?? 0) / total) * 100, 0.5)}%`;
    } else {
      bar.hidden = true;
    }
    const item = h('li', { role: 'treeitem', tabindex: '0', class: 'span-row', 'aria-selected': String(span.span_id === selectedId),
      dataset: { spanId: span.span_id },
      onclick: () => onSelect(span.span_id),
      onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onSelect(span.span_id); } } },
      h('span', { class: 'span-name' }, type ? h('span', { class: `badge ${type}`, text: type }) : null, h('span', { text: name })),
      h('span', { class: 'span-duration muted', text: seconds(duration) }),
      h('span', { class: 'timeline' }, bar));
    item.querySelector('.span-name').style.paddingLeft = `${depth * 16}px`;
    return item;
  }));
}
