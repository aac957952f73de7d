import { h } from '../dom.js';

// Charts as inline SVG built through the DOM: no library to download, and text (labels, a <title> per bar or point,
// which browsers show on hover and tests read) always goes in as text nodes. Sizes are viewBox units; CSS stretches
// the drawing to the card's width and colours it by class, so the page's CSP (no inline styles) holds.
const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 640;
const HEIGHT = 220;
const PAD = { left: 56, right: 40, top: 12, bottom: 28 };
const X_TICKS = 5;

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'text') el.textContent = value;
    else if (value !== null && value !== undefined) el.setAttribute(name, value);
  }
  el.append(...children);
  return el;
}

/**
 * A chart of values per time bucket. `buckets` are the bucket labels, every bucket of the range in order (an empty
 * one still takes its x position); each series has a `name` and one value per bucket, null where there is none
 * (a gap in a line). `kind` 'bar' draws the first series as bars, 'line' draws every series as a line with points.
 * `format` writes a value in the titles, `axisFormat` (the same unless given) on the y axis.
 */
export function chart({ id, title, buckets, series, kind = 'line', format = String, axisFormat = format }) {
  const values = series.flatMap((one) => one.values).filter((v) => typeof v === 'number');
  // An empty chart still gets an axis (0 to 1) rather than three ticks at one height.
  const top = niceMax(Math.max(0, ...values)) || 1;
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const step = plotWidth / Math.max(buckets.length, 1);
  const x = (i) => PAD.left + step * (i + 0.5);
  const y = (v) => PAD.top + plotHeight - (top === 0 ? 0 : (v / top) * plotHeight);

  const svg = s('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': title, class: 'chart-svg' });
  // The y axis: 0, half and the (rounded-up) maximum, each with a grid line.
  for (const tick of [0, top / 2, top]) {
    svg.append(s('line', { class: 'grid-line', x1: PAD.left, x2: WIDTH - PAD.right, y1: y(tick), y2: y(tick) }),
      s('text', { class: 'tick y-tick', x: PAD.left - 6, y: y(tick) + 4, 'text-anchor': 'end', text: axisFormat(tick) }));
  }
  // The x axis: a few bucket labels evenly spread, counted back from the latest bucket so that one is always named.
  const every = Math.max(1, Math.ceil(buckets.length / X_TICKS));
  buckets.forEach((label, i) => {
    if ((buckets.length - 1 - i) % every !== 0) return;
    svg.append(s('text', { class: 'tick x-tick', x: x(i), y: HEIGHT - 8, 'text-anchor': 'middle', text: label }));
  });

  if (kind === 'bar') {
    const [only] = series;
    const barWidth = Math.max(step * 0.7, 1);
    only.values.forEach((value, i) => {
      const v = value ?? 0;
      svg.append(s('rect', { class: 'bar series-0', x: x(i) - barWidth / 2, y: y(v), width: barWidth, height: y(0) - y(v) },
        s('title', { text: `${buckets[i]} · ${only.name}: ${format(v)}` })));
    });
  } else {
    series.forEach((one, n) => {
      // A null value breaks the line: no data there is not the same as zero.
      let path = '';
      let pen = 'M';
      const points = [];
      one.values.forEach((value, i) => {
        if (typeof value !== 'number') { pen = 'M'; return; }
        path += `${pen}${x(i).toFixed(1)},${y(value).toFixed(1)}`;
        pen = 'L';
        points.push(s('circle', { class: `point series-${n}`, cx: x(i), cy: y(value), r: 3 },
          s('title', { text: `${buckets[i]} · ${one.name}: ${format(value)}` })));
      });
      svg.append(s('path', { class: `line series-${n}`, d: path }), ...points);
    });
  }

  return h('figure', { class: 'chart card', dataset: { chart: id } },
    h('figcaption', {}, h('span', { class: 'chart-title', text: title }),
      series.length > 1 || kind === 'line'
        ? h('span', { class: 'legend' }, series.map((one, n) => h('span', { class: `legend-item series-${n}`, text: one.name })))
        : null),
    svg);
}

/** The axis' top: the maximum rounded up to 1, 2, 2.5 or 5 times a power of ten, so the ticks read as round numbers. */
function niceMax(max) {
  if (max <= 0) return 0;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((v) => v >= max);
}
