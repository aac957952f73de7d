// Eval() with deterministic autoevals scorers (ExactMatch, Levenshtein: no LLM calls) and a custom
// scorer, the summary numbers checked, then the experiment reopened with open: true and read back:
// one eval root per datum with a task child and one score child per scorer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Eval, init } from "braintrust";
import { ExactMatch, Levenshtein } from "autoevals";
import { checkedFlush, guardFlushes, uniqueName } from "#harness";

const close = (actual, expected, label) => assert.ok(Math.abs(actual - expected) < 1e-9, `${label}: ${actual} != ${expected}`);

test("Eval with autoevals and a custom scorer, then reopened with open: true", async () => {
  guardFlushes();
  const project = uniqueName("sdk-eval");
  const experimentName = uniqueName("eval");
  const data = [
    { input: "hello", expected: "hello", metadata: { case: 1 } },
    { input: "world", expected: "word", metadata: { case: 2 } },
  ];
  const sameLength = ({ output, expected }) => ({ name: "same_length", score: output.length === expected.length ? 1 : 0 });

  // What the scorers say locally, so the test does not hard-code autoevals' names or formulas.
  const expected = {};
  for (const scorer of [ExactMatch, Levenshtein, sameLength]) {
    const scores = await Promise.all(data.map((d) => scorer({ input: d.input, output: d.input, expected: d.expected })));
    expected[scores[0].name] = scores.reduce((sum, s) => sum + s.score, 0) / scores.length;
  }
  assert.deepEqual(Object.keys(expected).sort(), ["ExactMatch", "Levenshtein", "same_length"].sort());

  const result = await Eval(project, {
    experimentName,
    data: () => data,
    task: async (input) => input,
    scores: [ExactMatch, Levenshtein, sameLength],
  });
  await checkedFlush();

  assert.equal(result.results.length, 2);
  for (const r of result.results) assert.equal(r.error, undefined, `no task or scorer error: ${r.error}`);
  assert.equal(result.summary.experimentName, experimentName);

  const reopened = init(project, { experiment: experimentName, open: true });
  assert.equal(await reopened.name, experimentName);
  const rows = [];
  for await (const row of reopened.fetch()) rows.push(row);

  const roots = rows.filter((r) => r.is_root);
  assert.equal(roots.length, 2, "one root span per datum");
  for (const root of roots) {
    assert.equal(root.span_attributes.type, "eval");
    const datum = data.find((d) => d.input === root.input);
    assert.ok(datum, `root input ${JSON.stringify(root.input)} is one of the data`);
    assert.equal(root.expected, datum.expected);
    assert.equal(root.output, datum.input);
    const children = rows.filter((r) => r.root_span_id === root.root_span_id && !r.is_root);
    const tasks = children.filter((r) => r.span_attributes.type === "task");
    const scorers = children.filter((r) => r.span_attributes.type === "score");
    assert.equal(tasks.length, 1, "one task span");
    assert.equal(tasks[0].output, datum.input);
    assert.equal(scorers.length, 3, "one score span per scorer");
    const scored = Object.assign({}, ...scorers.map((s) => s.scores));
    assert.deepEqual(Object.keys(scored).sort(), Object.keys(expected).sort());
    for (const s of scorers) assert.equal(s.span_attributes.purpose, "scorer");
  }

  // asDataset() turns the reopened experiment's roots back into {input, expected} records.
  const records = [];
  for await (const record of reopened.asDataset()) records.push(record);
  assert.deepEqual(
    records.map((r) => ({ input: r.input, expected: r.expected })).sort((a, b) => a.input.localeCompare(b.input)),
    data.map((d) => ({ input: d.input, expected: d.expected })),
  );

  // Last: the summary's numbers, which come only from /experiment-comparison2.
  for (const [name, mean] of Object.entries(expected)) {
    close(result.summary.scores[name]?.score, mean, `summary ${name}`);
  }
});
