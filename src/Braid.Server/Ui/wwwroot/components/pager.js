import { h } from '../dom.js';

/**
 * The controls under a table paged by /btql cursors: back, the page number, and forward (off on the first page, and
 * when `result`, the page on screen, came back short of `pageSize` or without a cursor). `show(i)` draws page i; the
 * labels say which way time runs on the page.
 */
export function pagerControls({ index, result, pageSize, show, back = '← Previous', forward = 'Next →' }) {
  const hasNext = Boolean(result.cursor) && result.data.length >= pageSize;
  return [
    h('button', { type: 'button', text: back, disabled: index === 0, onclick: () => show(index - 1) }),
    h('span', { class: 'muted', text: `Page ${index + 1}` }),
    h('button', { type: 'button', text: forward, disabled: !hasNext, onclick: () => show(index + 1) }),
  ];
}
