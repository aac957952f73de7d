import { api, literal } from '../api.js';

// Conditions asked of the base per input: enough to find few candidates, which are then compared whole here.
const CONDITIONS_PER_INPUT = 8;
// Base rows with the same input as one on screen are few; a base that repeats inputs more is cut here.
const CANDIDATE_LIMIT = 1000;

/**
 * The base experiment's row for each of `rootSpanIds` (traces of `experimentId`), matched as Braintrust does: the base
 * trace whose root has the same input (equal as JSON). Only the rows on screen are looked up, never the whole base:
 * 1. the full inputs of those roots (a summary row holds a cut of its input only);
 * 2. base roots whose input has the same values at a few of its paths (a /btql filter), compared whole here;
 * 3. the summary rows of the matched base traces (scores averaged over each trace, like the rows they are set against).
 * Returns Map(rootSpanId → base summary row); a row without a match is missing from it.
 */
export async function baseRowsFor(experimentId, baseId, rootSpanIds) {
  const ids = rootSpanIds.map(literal).join(', ');
  const { data: roots } = await api.btql(`select: root_span_id, input | from: experiment(${literal(experimentId)}) | filter: is_root and root_span_id in (${ids}) | limit: ${rootSpanIds.length}`);
  const searches = roots.map((r) => conditions(r.input, 'input', [])).filter((c) => c.length > 0);
  if (searches.length === 0) return new Map();

  const { data: candidates } = await api.btql(`select: root_span_id, input | from: experiment(${literal(baseId)}) | filter: is_root and (${
    searches.map((c) => `(${c.join(' and ')})`).join(' or ')}) | limit: ${CANDIDATE_LIMIT}`);
  // Candidates come newest first: when the base has an input twice, its latest row is the one compared.
  const matched = new Map();
  for (const root of roots) {
    const hit = candidates.find((c) => sameJson(c.input, root.input));
    if (hit) matched.set(root.root_span_id, hit.root_span_id);
  }
  if (matched.size === 0) return matched;

  const baseIds = [...new Set(matched.values())];
  const { data: summaries } = await api.btql(`select: * | from: experiment(${literal(baseId)}) summary | filter: root_span_id in (${
    baseIds.map(literal).join(', ')}) | limit: ${baseIds.length}`);
  const byRoot = new Map(summaries.map((s) => [s.root_span_id, s]));
  return new Map([...matched].flatMap(([id, baseRoot]) => (byRoot.has(baseRoot) ? [[id, byRoot.get(baseRoot)]] : [])));
}

/**
 * BTQL conditions that an equal input meets: its scalar values at their paths (strings, booleans and plain numbers;
 * BTQL compares typed, so 5 never equals '5'). A value with none (an empty object, say) gets none and is not looked up.
 */
function conditions(value, path, out) {
  if (out.length >= CONDITIONS_PER_INPUT) return out;
  if (value === null || value === undefined) {
    if (path === 'input') out.push('input = null');
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => conditions(item, `${path}[${i}]`, out));
  } else if (typeof value === 'object') {
    // Braid cannot address a key with a double quote in it; leaving it out only makes the search wider.
    for (const [key, item] of Object.entries(value)) if (!key.includes('"')) conditions(item, `${path}[${literal(key)}]`, out);
  } else if (typeof value === 'string') {
    out.push(`${path} = ${literal(value)}`);
  } else if (typeof value === 'boolean' || (typeof value === 'number' && /^-?\d+(\.\d+)?$/.test(String(value)))) {
    out.push(`${path} = ${value}`);
  }
  return out;
}

/** Equal as JSON: the same values, whatever the order of object keys. */
function sameJson(a, b) {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]));
}
