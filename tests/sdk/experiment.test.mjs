// init() an experiment, log rows, summarize() with the numbers checked (they come only from
// /experiment-comparison2, and the SDK turns a failure there into an empty summary), read the rows
// back through the SDK's own fetch(), and compare against a base experiment.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { init } from "braintrust";
import { checkedFlush, guardFlushes, uniqueName } from "#harness";

const close = (actual, expected, label) => assert.ok(Math.abs(actual - expected) < 1e-9, `${label}: ${actual} != ${expected}`);

describe("experiments", () => {
  const project = uniqueName("sdk-experiments");

  test("log + summarize: averaged scores and the rows read back", async () => {
    guardFlushes();
    const experiment = init(project, { experiment: uniqueName("exp") });
    const logged = [
      { input: { n: 1 }, output: 2, expected: 2, scores: { accuracy: 1, closeness: 0.5 }, metadata: { split: "a" } },
      { input: { n: 2 }, output: 3, expected: 4, scores: { accuracy: 0, closeness: 0.25 }, metadata: { split: "b" } },
      { input: { n: 3 }, output: 6, expected: 6, scores: { accuracy: 1, closeness: 0.75 }, metrics: { tokens: 10 } },
    ];
    const ids = logged.map((event) => experiment.log(event));
    await checkedFlush();

    const rows = await experiment.fetchedData();
    assert.equal(rows.length, 3);
    for (const [i, id] of ids.entries()) {
      const row = rows.find((r) => r.id === id);
      assert.deepEqual(row.input, logged[i].input);
      assert.deepEqual(row.output, logged[i].output);
      assert.deepEqual(row.expected, logged[i].expected);
      assert.deepEqual(row.scores, logged[i].scores);
      assert.equal(row.span_attributes.type, "eval");
      assert.equal(row.is_root, true);
    }
    close(rows.find((r) => r.id === ids[2]).metrics.tokens, 10, "metrics.tokens");

    const summary = await experiment.summarize();
    assert.equal(summary.experimentName, await experiment.name);
    assert.equal(summary.projectName, project);
    close(summary.scores.accuracy?.score, 2 / 3, "accuracy");
    close(summary.scores.closeness?.score, 0.5, "closeness");
    assert.equal(summary.scores.accuracy.name, "accuracy");
    for (const metric of Object.values(summary.metrics)) {
      assert.equal(typeof metric.metric, "number", `${metric.name}.metric is a number (the reporter calls toFixed)`);
      assert.equal(typeof metric.unit, "string", `${metric.name}.unit is a string`);
    }
  });

  test("a comparison against a base experiment: diffs, improvements and regressions", async () => {
    guardFlushes();
    const baseName = uniqueName("base");
    const base = init(project, { experiment: baseName });
    for (const n of [1, 2, 3]) base.log({ input: { n }, output: n, scores: { accuracy: n === 3 ? 1 : 0.5 } });
    await checkedFlush();
    const baseId = await base.id;

    const candidate = init(project, { experiment: uniqueName("candidate"), baseExperiment: baseName });
    for (const n of [1, 2, 3]) candidate.log({ input: { n }, output: n, scores: { accuracy: n === 3 ? 0 : 1 } });
    await checkedFlush();

    const summary = await candidate.summarize();
    assert.equal(summary.comparisonExperimentName, baseName);
    const accuracy = summary.scores.accuracy;
    close(accuracy.score, 2 / 3, "candidate accuracy");
    close(accuracy.diff, 2 / 3 - 2 / 3, "diff against the base");
    assert.equal(accuracy.improvements, 2);
    assert.equal(accuracy.regressions, 1);

    // The same comparison asked for by id.
    const byId = await candidate.summarize({ comparisonExperimentId: baseId });
    assert.equal(byId.comparisonExperimentName, baseName);
    assert.equal(byId.scores.accuracy.improvements, 2);
    assert.equal(byId.scores.accuracy.regressions, 1);
  });

  test("an experiment with no base summarizes without a comparison", async () => {
    guardFlushes();
    const lone = init(uniqueName("sdk-lone"), { experiment: "only" });
    lone.log({ input: 1, output: 1, scores: { s: 0.5 } });
    await checkedFlush();
    const summary = await lone.summarize();
    assert.equal(summary.comparisonExperimentName, undefined);
    close(summary.scores.s?.score, 0.5, "s");
    assert.equal(summary.scores.s.diff, undefined);
  });
});
