// loadPrompt with the SDK's own login (POST /api/apikey/login): the same calls prompts.test.mjs makes
// through a login stand-in. When this passes, drop the stand-in there and this file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadPrompt } from "braintrust";
import { rest, uniqueName } from "#harness";

test("loadPrompt logs in by itself and loads by slug and by id", async () => {
  const project = await rest("POST", "/v1/project", { name: uniqueName("sdk-prompts-login") });
  const slug = uniqueName("hello");
  const created = await rest("POST", "/v1/prompt", {
    project_id: project.id,
    name: "Hello",
    slug,
    prompt_data: {
      prompt: { type: "chat", messages: [{ role: "user", content: "Hello {{name}}" }] },
      options: { model: "gpt-4o-mini" },
    },
  });
  const bySlug = await loadPrompt({ projectName: project.name, slug });
  assert.equal(bySlug.id, created.id);
  assert.deepEqual(bySlug.build({ name: "Ann" }).messages, [{ role: "user", content: "Hello Ann" }]);
  assert.equal((await loadPrompt({ id: created.id })).version, created._xact_id);
});
