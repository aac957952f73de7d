// initLogger: nested traced spans read back field by field, logFeedback with a comment, updateSpan
// (by id and by an exported span) and an attachment uploaded and read back. Every step goes through
// the unmodified SDK (login, project register, /version, /logs3, /attachment*), and every check
// reads the rows back through /btql, so a background flush that failed cannot pass.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Attachment, ReadonlyAttachment, initLogger, updateSpan } from "braintrust";
import { checkedFlush, guardFlushes, readObject, uniqueName } from "#harness";

const HEX16 = /^[0-9a-f]{16}$/;
const HEX32 = /^[0-9a-f]{32}$/;

describe("initLogger", () => {
  let logger;
  let projectId;
  const rowsById = async () => Object.fromEntries((await readObject("project_logs", projectId)).map((r) => [r.id, r]));

  before(async () => {
    guardFlushes();
    logger = initLogger({ projectName: uniqueName("sdk-logger") });
    projectId = await logger.id;
  });

  test("nested traced spans read back field by field", async () => {
    const ids = {};
    const record = (key, span) => (ids[key] = { id: span.id, spanId: span.spanId, rootSpanId: span.rootSpanId });
    await logger.traced(
      async (root) => {
        record("root", root);
        root.log({ input: { question: "What is 2+2?" }, metadata: { level: 1 }, tags: ["demo"] });
        await root.traced(
          async (child) => {
            record("child", child);
            child.log({ input: { step: "plan" }, output: { plan: "add" }, scores: { child_score: 0.5 }, metadata: { level: 2 } });
            child.traced(
              (leaf) => {
                record("leaf", leaf);
                leaf.log({ input: { step: "act" }, output: 4, metrics: { tokens: 7 } });
              },
              { name: "act", type: "tool" },
            );
          },
          { name: "plan", type: "function" },
        );
        root.log({ output: { answer: 4 }, scores: { root_score: 1 }, metrics: { tokens: 42 } });
      },
      { name: "root-span" },
    );
    await checkedFlush();

    const rows = await rowsById();
    const root = rows[ids.root.id];
    const child = rows[ids.child.id];
    const leaf = rows[ids.leaf.id];
    assert.ok(root && child && leaf, `all three spans are stored (got ${Object.keys(rows).length} rows)`);

    // Ids as the SDK makes them: hex, and a root whose span_id differs from its trace id.
    assert.match(root.id, HEX16);
    assert.match(root.span_id, HEX16);
    assert.match(root.root_span_id, HEX32);
    assert.equal(root.span_id, ids.root.spanId);
    assert.notEqual(root.span_id, root.root_span_id);
    for (const span of [child, leaf]) assert.equal(span.root_span_id, root.root_span_id);

    assert.equal(root.is_root, true);
    assert.ok(root.span_parents == null || root.span_parents.length === 0);
    assert.equal(child.is_root, false);
    assert.deepEqual(child.span_parents, [root.span_id]);
    assert.deepEqual(leaf.span_parents, [child.span_id]);

    assert.deepEqual(root.input, { question: "What is 2+2?" });
    assert.deepEqual(root.output, { answer: 4 });
    assert.deepEqual(root.metadata, { level: 1 });
    assert.deepEqual(root.tags, ["demo"]);
    assert.deepEqual(root.scores, { root_score: 1 });
    assert.equal(root.metrics.tokens, 42);
    assert.equal(root.span_attributes.name, "root-span");
    assert.equal(root.span_attributes.type, "task");

    assert.deepEqual(child.input, { step: "plan" });
    assert.deepEqual(child.output, { plan: "add" });
    assert.deepEqual(child.scores, { child_score: 0.5 });
    assert.deepEqual(child.metadata, { level: 2 });
    assert.equal(child.span_attributes.name, "plan");
    assert.equal(child.span_attributes.type, "function");

    assert.deepEqual(leaf.input, { step: "act" });
    assert.equal(leaf.output, 4);
    assert.equal(leaf.metrics.tokens, 7);
    assert.equal(leaf.span_attributes.type, "tool");

    for (const span of [root, child, leaf]) {
      assert.equal(typeof span.metrics.start, "number", "metrics.start in Unix seconds");
      assert.ok(span.metrics.end >= span.metrics.start, "metrics.end after start");
      assert.ok(span.metrics.start > 1.6e9 && span.metrics.start < 1e11, "seconds, not milliseconds");
      assert.ok(!Number.isNaN(Date.parse(span.created)));
      assert.equal(span.project_id, projectId);
      assert.equal(span.log_id, "g");
    }
    assert.ok(leaf.metrics.start >= root.metrics.start && leaf.metrics.end <= root.metrics.end);
  });

  test("logFeedback merges scores and expected, and a comment attaches to the row, not as a span", async () => {
    // A logger of its own: once a logger has started spans, its top-level log() is refused.
    const plain = initLogger({ projectId });
    const id = plain.log({ input: "q", output: "a", scores: { auto: 0.25 } });
    await checkedFlush();
    plain.logFeedback({
      id,
      scores: { human: 0.75 },
      expected: "A",
      comment: "close, but capitalise it",
      metadata: { user_id: "ann" },
      source: "external",
    });
    await checkedFlush();

    const rows = await readObject("project_logs", projectId);
    const row = rows.find((r) => r.id === id);
    assert.deepEqual(row.scores, { auto: 0.25, human: 0.75 });
    assert.equal(row.expected, "A");
    assert.equal(row.output, "a", "feedback leaves the rest of the row alone");
    const texts = (row.comments ?? []).map((c) => c.comment?.text);
    assert.deepEqual(texts, ["close, but capitalise it"], "the comment is on the row it points at");
    assert.ok(
      !rows.some((r) => r.id !== id && JSON.stringify(r).includes("close, but capitalise it")),
      "the comment row is not read back as a span of its own",
    );
  });

  test("updateSpan by id and through an exported span merges into the stored span", async () => {
    let exported;
    let id;
    logger.traced(
      (span) => {
        id = span.id;
        exported = span.export();
        span.log({ input: { n: 1 }, metadata: { a: 1, nested: { x: 1 } } });
      },
      { name: "to-update" },
    );
    await checkedFlush();
    const exportedString = await exported;

    logger.updateSpan({ id, output: { n: 2 }, metadata: { nested: { y: 2 } } });
    await checkedFlush();
    updateSpan({ exported: exportedString, scores: { late: 1 }, tags: ["updated"] });
    await checkedFlush();

    const row = (await rowsById())[id];
    assert.deepEqual(row.input, { n: 1 });
    assert.deepEqual(row.output, { n: 2 });
    assert.deepEqual(row.metadata, { a: 1, nested: { x: 1, y: 2 } }, "a deep merge");
    assert.deepEqual(row.scores, { late: 1 });
    assert.deepEqual(row.tags, ["updated"]);
    assert.equal(row.span_attributes.name, "to-update");
  });

  test("an attachment is uploaded and read back byte for byte", async () => {
    const bytes = new TextEncoder().encode("hello from the SDK test\n".repeat(100));
    const id = logger.traced(
      (span) => {
        span.log({
          input: { file: new Attachment({ data: new Blob([bytes]), filename: "hello.txt", contentType: "text/plain" }) },
          output: "ok",
        });
        return span.id;
      },
      { name: "with-attachment" },
    );
    await checkedFlush();

    const row = (await rowsById())[id];
    const reference = row.input.file;
    assert.equal(reference.type, "braintrust_attachment");
    assert.equal(reference.filename, "hello.txt");
    assert.equal(reference.content_type, "text/plain");
    assert.equal(typeof reference.key, "string");

    const attachment = new ReadonlyAttachment(reference);
    assert.equal((await attachment.status()).upload_status, "done");
    const data = new Uint8Array(await (await attachment.data()).arrayBuffer());
    assert.deepEqual(data, bytes);
  });
});
