// POST /btql the way SDK users and the SDK itself ask: BTQL pipe text and SQL text (as users and
// query scripts send them), and the JSON form the SDK's fetch() sends, paged by cursor. The rows
// are written through REST in the SDK's own shape: hex span ids, a root whose root_span_id differs
// from its span_id, merges and a delete.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { btql, btqlAll, readObject, rest, uniqueName } from "#harness";

const hex = (n) => [...crypto.getRandomValues(new Uint8Array(n / 2))].map((b) => b.toString(16).padStart(2, "0")).join("");

describe("/btql", () => {
  let project;
  const trace = hex(32);
  const rootSpan = hex(16);
  const ids = { root: hex(16), plan: hex(16), act: hex(16), scorer: hex(16), gone: hex(16) };

  before(async () => {
    project = await rest("POST", "/v1/project", { name: uniqueName("sdk-btql") });
    const span = (id, spanId, parents, fields) => ({
      id,
      span_id: spanId,
      root_span_id: trace,
      ...(parents.length ? { span_parents: parents } : {}),
      ...fields,
    });
    const planSpan = hex(16);
    await rest("POST", `/v1/project_logs/${project.id}/insert`, {
      events: [
        span(ids.root, rootSpan, [], {
          input: { question: "What is 2+2?" },
          metadata: { kind: "math", level: 1 },
          span_attributes: { name: "root-span", type: "task" },
          scores: { q: 0.9 },
        }),
        span(ids.plan, planSpan, [rootSpan], {
          input: { step: "plan" },
          metadata: { kind: "math", level: 2 },
          span_attributes: { name: "plan" },
          scores: { q: 0.4 },
        }),
        span(ids.act, hex(16), [planSpan], {
          input: { step: "act" },
          metadata: { kind: "math", level: 3 },
          span_attributes: { name: "act" },
          scores: { q: 0.6 },
        }),
        span(ids.scorer, hex(16), [rootSpan], {
          metadata: { kind: "math" },
          span_attributes: { name: "exactMatch", type: "score", purpose: "scorer" },
          scores: { exact_match: 1 },
        }),
        span(ids.gone, hex(16), [rootSpan], { metadata: { kind: "math" }, span_attributes: { name: "gone" } }),
      ],
    });
    // What the SDK sends on span.end() and on delete: a merge and an _object_delete row.
    await rest("POST", `/v1/project_logs/${project.id}/insert`, {
      events: [
        { id: ids.root, _is_merge: true, output: { answer: 4 }, metadata: { extra: true }, metrics: { tokens: 42 } },
        { id: ids.gone, _object_delete: true },
      ],
    });
  });

  test("BTQL text: filter, sort and select by path", async () => {
    const { data } = await btql(
      `select: id, scores.q as q, metadata.level as level | from: project_logs('${project.id}') ` +
        `| filter: metadata.kind = 'math' and scores.q >= 0.5 | sort: scores.q desc | limit: 10`,
    );
    assert.deepEqual(data, [
      { id: ids.root, q: 0.9, level: 1 },
      { id: ids.act, q: 0.6, level: 3 },
    ]);
  });

  test("SQL text, with the project named instead of given by id", async () => {
    const { data } = await btql(
      `SELECT id, metadata.level AS level FROM project_logs('${project.name}') ` +
        `WHERE scores.q < 0.5 OR scores.q > 0.8 ORDER BY metadata.level ASC LIMIT 10`,
    );
    assert.deepEqual(data, [
      { id: ids.root, level: 1 },
      { id: ids.plan, level: 2 },
    ]);
  });

  test("SQL aggregate over the spans", async () => {
    const { data } = await btql(
      `SELECT count(*) AS n, max(scores.q) AS best FROM project_logs('${project.id}') WHERE scores.q IS NOT NULL`,
    );
    assert.deepEqual(data, [{ n: 3, best: 0.9 }]);
  });

  test("the SDK's fetch form returns merged current rows with the fields the SDK reads", async () => {
    const rows = await readObject("project_logs", project.id);
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    assert.deepEqual(Object.keys(byId).sort(), [ids.root, ids.plan, ids.act, ids.scorer].sort(), "deleted row excluded");

    const root = byId[ids.root];
    assert.deepEqual(root.input, { question: "What is 2+2?" });
    assert.deepEqual(root.output, { answer: 4 });
    assert.deepEqual(root.metadata, { kind: "math", level: 1, extra: true }, "merge is deep");
    assert.equal(root.metrics.tokens, 42);
    assert.equal(root.span_id, rootSpan);
    assert.equal(root.root_span_id, trace);
    assert.equal(root.is_root, true, "is_root comes from span_parents, not from root_span_id == span_id");
    assert.equal(byId[ids.plan].is_root, false);
    assert.deepEqual(byId[ids.plan].span_parents, [rootSpan]);

    for (const row of rows) {
      assert.equal(typeof row._xact_id, "string", "_xact_id is a string (dataset.version() compares strings)");
      assert.match(row._xact_id, /^\d+$/);
      assert.equal(typeof row.created, "string");
      assert.ok(!("_is_merge" in row) && !("_object_delete" in row), "write-only fields never come back");
    }
  });

  test("the SDK's cursor loop pages through every row exactly once", async () => {
    const query = {
      select: [{ op: "star" }],
      from: { op: "function", name: { op: "ident", name: ["project_logs"] }, args: [{ op: "literal", value: project.id }] },
      limit: 1,
    };
    const rows = await btqlAll(query, { use_columnstore: false, brainstore_realtime: true, query_source: "js_sdk_object_fetcher_project_logs" });
    assert.deepEqual(rows.map((r) => r.id).sort(), [ids.root, ids.plan, ids.act, ids.scorer].sort());
  });

  test("the SDK's scorer-trace filter: root_span_id = X and (purpose is null or != 'scorer')", async () => {
    const ident = (...name) => ({ op: "ident", name });
    const literal = (value) => ({ op: "literal", value });
    const rows = await btqlAll({
      select: [{ op: "star" }],
      from: { op: "function", name: ident("project_logs"), args: [literal(project.id)] },
      filter: {
        op: "and",
        children: [
          { op: "eq", left: ident("root_span_id"), right: literal(trace) },
          {
            op: "or",
            children: [
              { op: "isnull", expr: ident("span_attributes", "purpose") },
              { op: "ne", left: ident("span_attributes", "purpose"), right: literal("scorer") },
            ],
          },
        ],
      },
      limit: 1000,
    });
    assert.deepEqual(rows.map((r) => r.id).sort(), [ids.root, ids.plan, ids.act].sort());
  });

  test("a read as of an earlier _xact_id sees the rows as they were", async () => {
    const rows = await readObject("project_logs", project.id);
    const root = rows.find((r) => r.id === ids.root);
    const first = await btqlAll(
      {
        select: [{ op: "star" }],
        from: { op: "function", name: { op: "ident", name: ["project_logs"] }, args: [{ op: "literal", value: project.id }] },
        filter: { op: "eq", left: { op: "ident", name: ["id"] }, right: { op: "literal", value: ids.root } },
        limit: 10,
      },
      { version: String(BigInt(root._xact_id) - 1n) },
    );
    assert.equal(first.length, 1);
    assert.equal(first[0].output, undefined, "the merge came after that version");
  });
});
