// What every SDK scenario shares: the server run.sh started (from the SDK's own environment
// variables), plain REST and /btql calls for setting data up and reading it back independently of
// the SDK, unique names, and a guard that turns the SDK's swallowed background-flush errors into
// test failures.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { _internalGetGlobalState, flush } from "braintrust";

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run these tests through tests/sdk/run.sh`);
  }
  return value;
}

export const APP_URL = required("BRAINTRUST_APP_URL").replace(/\/+$/, "");
export const API_KEY = required("BRAINTRUST_API_KEY");

/** A name no other test (or earlier run against the same store) uses. */
export function uniqueName(prefix) {
  return `${prefix}-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
}

/** One REST call with the test key; JSON in and out. Throws with the body on a non-2xx answer. */
export async function rest(method, path, body, { query } = {}) {
  const url = new URL(APP_URL + path);
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined) url.searchParams.set(k, String(v));
  }
  const response = await fetch(url, {
    method,
    headers: {
      Authorization: `Bearer ${API_KEY}`,
      Accept: "application/json",
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${method} ${path} -> ${response.status}: ${text}`);
  }
  return text ? JSON.parse(text) : null;
}

/** POST /btql with a text query (BTQL pipe syntax or SQL); one page: `{data, cursor}`. */
export async function btql(text, extra = {}) {
  const answer = await rest("POST", "/btql", { query: text, fmt: "json", ...extra });
  assert.ok(Array.isArray(answer.data), `/btql answered without data[]: ${JSON.stringify(answer)}`);
  return answer;
}

/**
 * POST /btql with the JSON form the SDK's own fetch() sends (sdk-protocol.md §5), following the
 * cursor the way the SDK does (while it is truthy). Returns every row.
 */
export async function btqlAll(query, extra = {}) {
  const rows = [];
  let cursor;
  for (let page = 0; page < 1000; page++) {
    const answer = await rest("POST", "/btql", { query: cursor ? { ...query, cursor } : query, ...extra });
    assert.ok(Array.isArray(answer.data), `/btql answered without data[]: ${JSON.stringify(answer)}`);
    rows.push(...answer.data);
    if (!answer.cursor) return rows;
    cursor = answer.cursor;
  }
  throw new Error("/btql kept returning a cursor for 1000 pages");
}

/** Every current row of one object, read the way the SDK reads it (select * from <type>('<id>')). */
export function readObject(objectType, id, extra = {}) {
  return btqlAll(
    {
      select: [{ op: "star" }],
      from: { op: "function", name: { op: "ident", name: [objectType] }, args: [{ op: "literal", value: id }] },
      limit: 1000,
    },
    { use_columnstore: false, brainstore_realtime: true, ...extra },
  );
}

/** The organization the test key belongs to (its id is a UUID, which the SDK's zod schemas insist on). */
export async function organization() {
  const { objects } = await rest("GET", "/v1/organization");
  assert.ok(objects.length >= 1, "the test key sees no organization");
  return objects[0];
}

/**
 * Collects every error the SDK's background logger reports. The SDK never throws these into user
 * code and flush() resolves anyway (sdk-protocol.md §7.4), so call checkedFlush() instead of flush().
 */
export function watchFlushErrors() {
  const errors = [];
  const logger = _internalGetGlobalState().httpLogger();
  const previous = logger.onFlushError;
  logger.onFlushError = (error) => {
    errors.push(error);
    previous?.(error);
  };
  return errors;
}

let flushErrors;

/** flush(), then fail if the background logger reported any error since the last call. */
export async function checkedFlush() {
  flushErrors ??= watchFlushErrors();
  await flush();
  const errors = flushErrors.splice(0);
  if (errors.length > 0) {
    const detail = errors.map((e) => (e instanceof Error ? e.stack ?? e.message : String(e))).join("\n---\n");
    assert.fail(`the SDK's background flush reported ${errors.length} error(s):\n${detail}`);
  }
}

/** Installs the flush-error watch before any SDK call, so errors of the first flush are caught too. */
export function guardFlushes() {
  flushErrors ??= watchFlushErrors();
}

/** Asserts that an object has at least these fields with these values (deep-equal per field). */
export function assertFields(actual, expected, label = "row") {
  assert.ok(actual, `${label} is missing`);
  for (const [key, value] of Object.entries(expected)) {
    assert.deepEqual(actual[key], value, `${label}.${key}`);
  }
}

