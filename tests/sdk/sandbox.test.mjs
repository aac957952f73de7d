// registerSandbox: the SDK asks the server (proxy base, function/sandbox-list) for the evals inside an
// external sandbox snapshot. Braid cannot reach sandbox providers, so the call fails with a 400 naming
// the provider, and no function is registered.
import { test } from "node:test";
import assert from "node:assert/strict";
import { registerSandbox } from "braintrust";
import { rest, uniqueName } from "#harness";

test("registerSandbox is refused with the provider named, and registers nothing", async () => {
  const project = uniqueName("sdk-sandbox");
  await assert.rejects(
    registerSandbox({
      project,
      name: "sandboxed evals",
      sandbox: { provider: "modal", snapshotRef: "im-123" },
      entrypoints: ["evals/math.eval.ts"],
    }),
    (error) => {
      assert.match(String(error?.message ?? error), /400/);
      assert.match(String(error?.message ?? error), /'modal' sandboxes are not supported/);
      return true;
    },
  );
  const [projectRow] = (await rest("GET", "/v1/project", undefined, { query: { project_name: project } })).objects;
  const functions = await rest("GET", "/v1/function", undefined, { query: { project_id: projectRow.id } });
  assert.deepEqual(functions.objects, []);
});
