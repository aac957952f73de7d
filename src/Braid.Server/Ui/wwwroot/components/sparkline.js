import { h } from '../dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 220;
const HEIGHT = 48;
const PAD = 5;

/** An SVG element built through the DOM, attributes set one by one (the page's CSP allows no markup from strings). */
function svg(tag, attributes = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, String(value));
  el.append(...children);
  return el;
}

/**
 * A small line chart of one score across experiments: `points` are [{label, value, text}] in chronological order
 * (value 0..1, or null where an experiment has no such score, which leaves a gap). Each point is focusable and says
 * its experiment and value in a <title> (the tooltip on hover) and its accessible name.
 */
export function sparkline(name, points) {
  const step = points.length > 1 ? (WIDTH - 2 * PAD) / (points.length - 1) : 0;
  const x = (i) => (points.length > 1 ? PAD + i * step : WIDTH / 2);
  const y = (value) => PAD + (1 - Math.min(Math.max(value, 0), 1)) * (HEIGHT - 2 * PAD);

  // One path segment per run of points with a value: an experiment without the score breaks the line.
  let d = '';
  let drawing = false;
  points.forEach((p, i) => {
    if (typeof p.value !== 'number') { drawing = false; return; }
    d += `${drawing ? 'L' : 'M'}${x(i).toFixed(1)} ${y(p.value).toFixed(1)} `;
    drawing = true;
  });

  const chart = svg('svg', { class: 'sparkline', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: WIDTH, height: HEIGHT, role: 'img',
    'aria-label': `${name} across experiments` },
  svg('line', { class: 'axis', x1: 0, x2: WIDTH, y1: HEIGHT - PAD, y2: HEIGHT - PAD }),
  svg('path', { class: 'line', d: d.trim() }));
  points.forEach((p, i) => {
    if (typeof p.value !== 'number') return;
    const label = `${p.label}: ${p.text}`;
    chart.append(svg('circle', { class: 'point', cx: x(i).toFixed(1), cy: y(p.value).toFixed(1), r: 3.5, tabindex: 0,
      role: 'img', 'aria-label': label, 'data-experiment': p.label, 'data-value': p.value }, svg('title', {}, label)));
  });
  return h('figure', { class: 'spark', dataset: { score: name } }, h('figcaption', { text: name }), chart);
}
