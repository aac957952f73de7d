// How values read in tables: short, and the same everywhere.

export function preview(value, length = 120) {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > length ? `${text.slice(0, length)}…` : text;
}

/**
 * A summary preview is a cut of the stored JSON text, which spells some characters as escapes ("2\u002B2" for
 * "2+2"); shown to a person, they read as the characters. Quotes, backslashes and control characters stay escaped.
 */
export function unescapePreview(text) {
  if (typeof text !== 'string') return text;
  return text.replace(/\\\\|\\u([0-9a-fA-F]{4})/g, (match, hex) => {
    const code = hex ? parseInt(hex, 16) : 0;
    return hex && code >= 0x20 && code !== 0x22 && code !== 0x5c ? String.fromCharCode(code) : match;
  });
}

export function percent(score) {
  return typeof score === 'number' ? `${(score * 100).toFixed(1)}%` : '';
}

export function seconds(value) {
  if (typeof value !== 'number') return '';
  return value < 1 ? `${Math.round(value * 1000)}ms` : `${value.toFixed(2)}s`;
}

export function cost(value) {
  if (typeof value !== 'number') return '';
  return value < 0.01 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}

export function count(value) {
  return typeof value === 'number' ? value.toLocaleString('en-US') : '';
}

export function time(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'medium' });
}

/**
 * When a transaction id was written: Braid's ids are 10^18 + (unix milliseconds << 16) + a counter (an encoding it
 * keeps fixed, since ids are persisted), so a version's time needs no extra request. BigInt: ids exceed 2^53.
 */
export function xactTime(xactId) {
  try {
    return new Date(Number((BigInt(xactId) - 10n ** 18n) >> 16n)).toISOString();
  } catch {
    return '';
  }
}
