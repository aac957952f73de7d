import { h } from '../dom.js';

// Past this many line pairs the LCS table would cost too much memory; such a pair of texts is shown as wholly replaced.
const MAX_CELLS = 4_000_000;

/**
 * The lines of `before` and `after` as a line diff: [{op: 'same'|'add'|'del', text}], removals before additions at
 * each change. A longest-common-subsequence table over the lines that differ (the common head and tail are cut first,
 * so a small edit in a long definition stays cheap).
 */
export function diffLines(before, after) {
  const a = before === '' ? [] : before.split('\n');
  const b = after === '' ? [] : after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);

  const middle = [];
  if (x.length * y.length > MAX_CELLS) {
    middle.push(...x.map((text) => ({ op: 'del', text })), ...y.map((text) => ({ op: 'add', text })));
  } else {
    // lcs[i][j]: the longest common subsequence of x[i..] and y[j..].
    const lcs = Array.from({ length: x.length + 1 }, () => new Uint32Array(y.length + 1));
    for (let i = x.length - 1; i >= 0; i--) {
      for (let j = y.length - 1; j >= 0; j--) {
        lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < x.length || j < y.length) {
      if (i < x.length && j < y.length && x[i] === y[j]) {
        middle.push({ op: 'same', text: x[i] });
        i++;
        j++;
      } else if (j >= y.length || (i < x.length && lcs[i + 1][j] >= lcs[i][j + 1])) {
        middle.push({ op: 'del', text: x[i++] });
      } else {
        middle.push({ op: 'add', text: y[j++] });
      }
    }
  }
  return [
    ...a.slice(0, head).map((text) => ({ op: 'same', text })),
    ...middle,
    ...a.slice(a.length - tail).map((text) => ({ op: 'same', text })),
  ];
}

const MARK = { same: ' ', add: '+', del: '-' };
const LABEL = { add: 'added', del: 'removed' };

/** A line diff as a block of lines, added ones marked green with "+", removed ones red with "-". */
export function diffView(before, after) {
  const lines = diffLines(before, after);
  return h('div', { class: 'diff', role: 'list', 'aria-label': 'Changes' }, lines.map(({ op, text }) =>
    h('div', { class: `diff-line diff-${op}`, role: 'listitem', 'aria-label': LABEL[op] ? `${LABEL[op]}: ${text}` : false },
      h('span', { class: 'diff-mark', 'aria-hidden': 'true', text: MARK[op] }), h('span', { text }))));
}
