// loadPrompt by slug (project name or id), by id and by version, and build(): prompts are created
// through REST /v1/prompt, then read by the SDK, which validates them with its own zod schema
// (UUID ids, log_id "p", _xact_id as the version) before rendering them with mustache.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { loadPrompt } from "braintrust";
import { rest, uniqueName } from "#harness";

const chatPrompt = (system) => ({
  prompt: {
    type: "chat",
    messages: [
      { role: "system", content: system },
      { role: "user", content: "{{input.question}}" },
    ],
  },
  options: { model: "gpt-4o-mini", params: { temperature: 0.25, max_tokens: 64 } },
});

describe("loadPrompt", () => {
  let project;
  let greeter;
  const slug = uniqueName("greeter");

  before(async () => {
    project = await rest("POST", "/v1/project", { name: uniqueName("sdk-prompts") });
    greeter = await rest("POST", "/v1/prompt", {
      project_id: project.id,
      name: "Greeter",
      slug,
      description: "says hello",
      tags: ["sdk"],
      prompt_data: chatPrompt("You are {{persona}}."),
    });
  });

  function assertGreeter(prompt) {
    assert.equal(prompt.id, greeter.id);
    assert.equal(prompt.name, "Greeter");
    assert.equal(prompt.slug, slug);
    assert.equal(prompt.projectId, project.id);
    assert.equal(prompt.version, greeter._xact_id);
  }

  test("by project name and slug, then build() renders the messages and merges the params", async () => {
    const prompt = await loadPrompt({ projectName: project.name, slug });
    assertGreeter(prompt);
    const built = prompt.build({ persona: "a pirate", question: "Where is the treasure?" });
    assert.equal(built.model, "gpt-4o-mini");
    assert.equal(built.temperature, 0.25);
    assert.equal(built.max_tokens, 64);
    assert.deepEqual(built.messages, [
      { role: "system", content: "You are a pirate." },
      { role: "user", content: "Where is the treasure?" },
    ]);
    assert.deepEqual(built.span_info.metadata.prompt, {
      variables: { persona: "a pirate", question: "Where is the treasure?" },
      id: greeter.id,
      project_id: project.id,
      version: greeter._xact_id,
    });
  });

  test("by project id and slug", async () => {
    assertGreeter(await loadPrompt({ projectId: project.id, slug }));
  });

  test("by id", async () => {
    assertGreeter(await loadPrompt({ id: greeter.id }));
  });

  test("a completion prompt builds to a prompt string", async () => {
    const completionSlug = uniqueName("completion");
    const created = await rest("POST", "/v1/prompt", {
      project_id: project.id,
      name: "Completer",
      slug: completionSlug,
      prompt_data: {
        prompt: { type: "completion", content: "Translate {{word}} to {{input.language}}:" },
        options: { model: "gpt-4o-mini", params: { temperature: 0 } },
      },
    });
    const prompt = await loadPrompt({ projectName: project.name, slug: completionSlug });
    assert.equal(prompt.id, created.id);
    const built = prompt.build({ word: "cat", language: "French" }, { flavor: "completion" });
    assert.equal(built.prompt, "Translate cat to French:");
    assert.equal(built.model, "gpt-4o-mini");
    assert.equal(built.temperature, 0);
  });

  test("a new version is what loads next; the old one still loads by version", async () => {
    const versionSlug = uniqueName("versioned");
    const v1 = await rest("POST", "/v1/prompt", {
      project_id: project.id,
      name: "Versioned",
      slug: versionSlug,
      prompt_data: chatPrompt("First: {{persona}}."),
    });
    const v2 = await rest("PATCH", `/v1/prompt/${v1.id}`, { prompt_data: chatPrompt("Second: {{persona}}.") });
    assert.notEqual(v2._xact_id, v1._xact_id);

    const latest = await loadPrompt({ projectName: project.name, slug: versionSlug });
    assert.equal(latest.version, v2._xact_id);
    assert.equal(latest.build({ persona: "x", question: "q" }).messages[0].content, "Second: x.");

    const pinned = await loadPrompt({ projectName: project.name, slug: versionSlug, version: v1._xact_id });
    assert.equal(pinned.version, v1._xact_id);
    assert.equal(pinned.build({ persona: "x", question: "q" }).messages[0].content, "First: x.");

    const byId = await loadPrompt({ id: v1.id, version: v1._xact_id });
    assert.equal(byId.build({ persona: "y", question: "q" }).messages[0].content, "First: y.");
  });

  test("an unknown slug is an error, not an empty prompt", async () => {
    await assert.rejects(
      loadPrompt({ projectName: project.name, slug: uniqueName("missing") }),
      /not found/i,
    );
  });
});
