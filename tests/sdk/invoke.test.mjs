// invoke() and initFunction(): prompt functions run on the server (POST {proxy}/function/invoke)
// against a fake OpenAI on loopback, plain and streamed, logged under the caller's span, and an LLM
// classifier scorer used by Eval() through initFunction.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Eval, initFunction, initLogger, invoke } from "braintrust";
import { checkedFlush, guardFlushes, readObject, rest, uniqueName } from "#harness";
import { echo, startFakeLlm } from "./lib/fake-llm.mjs";

describe("invoke", () => {
  let fake;
  let project;
  const slug = uniqueName("greet");
  const judge = uniqueName("judge");

  before(async () => {
    guardFlushes();
    fake = await startFakeLlm();
    // PUT replaces the organization's OpenAI secret so it points at this file's fake.
    await rest("PUT", "/v1/ai_secret", { name: "OPENAI_API_KEY", type: "openai", secret: "sk-fake-key-for-tests", metadata: { api_base: fake.url } });
    project = await rest("POST", "/v1/project", { name: uniqueName("sdk-invoke") });
    await rest("POST", "/v1/function", {
      project_id: project.id,
      name: "Greeter",
      slug,
      function_data: { type: "prompt" },
      prompt_data: {
        prompt: { type: "chat", messages: [{ role: "user", content: "Hello {{name}}" }] },
        options: { model: "gpt-4o-mini" },
      },
    });
    await rest("POST", "/v1/function", {
      project_id: project.id,
      name: "Same answer",
      slug: judge,
      function_type: "scorer",
      function_data: { type: "prompt" },
      prompt_data: {
        prompt: { type: "chat", messages: [{ role: "user", content: "{{output}} vs {{expected}}: choose:{{metadata.verdict}}" }] },
        options: { model: "gpt-4o-mini" },
        parser: { type: "llm_classifier", use_cot: true, choice_scores: { Y: 1, N: 0 } },
      },
    });
  });

  after(async () => fake?.close());

  test("by project name and slug returns the model's answer", async () => {
    const output = await invoke({ projectName: project.name, slug, input: { name: "Ann" } });
    assert.equal(output, echo("Hello Ann"));
  });

  test("stream: true gives a BraintrustStream of text deltas whose final value is the answer", async () => {
    const stream = await invoke({ projectName: project.name, slug, input: { name: "streaming world" }, stream: true });
    const types = [];
    for await (const chunk of stream.copy()) types.push(chunk.type);
    assert.equal(types[0], "start");
    assert.ok(types.filter((t) => t === "text_delta").length > 1, `pieces: ${types}`);
    assert.equal(types.at(-1), "done");
    assert.equal(await stream.finalValue(), echo("Hello streaming world"));
  });

  test("inside a traced span, the function's spans are logged under it", async () => {
    const logger = initLogger({ projectName: project.name });
    let parentSpanId;
    await logger.traced(
      async (span) => {
        parentSpanId = span.spanId;
        await invoke({ projectName: project.name, slug, input: { name: "child" }, parent: span });
      },
      { name: "caller" },
    );
    await checkedFlush();
    const rows = await readObject("project_logs", project.id);
    const fn = rows.find((r) => r.span_attributes?.name === "Greeter");
    const llm = rows.find((r) => r.span_attributes?.type === "llm");
    assert.ok(fn && llm, `function and llm spans: ${JSON.stringify(rows.map((r) => r.span_attributes))}`);
    assert.deepEqual(fn.span_parents, [parentSpanId]);
    assert.deepEqual(llm.span_parents, [fn.span_id]);
    assert.equal(fn.output, echo("Hello child"));
    assert.equal(llm.metrics.tokens, 15);
  });

  test("initFunction makes a saved LLM classifier an Eval scorer", async () => {
    const result = await Eval(project.name, {
      experimentName: uniqueName("judged"),
      data: () => [
        { input: "a", expected: "a", metadata: { verdict: "Y" } },
        { input: "b", expected: "c", metadata: { verdict: "N" } },
      ],
      task: async (input) => input,
      scores: [initFunction({ projectName: project.name, slug: judge })],
    });
    await checkedFlush();
    for (const r of result.results) assert.equal(r.error, undefined, `no scorer error: ${r.error}`);
    // Eval runs rows concurrently, so results come back in no fixed order.
    const scores = Object.fromEntries(result.results.map((r) => [r.input, r.scores["Same answer"]]));
    assert.deepEqual(scores, { a: 1, b: 0 });
    assert.equal(result.summary.scores["Same answer"].score, 0.5);
  });
});
