// A payload too big for one /logs3 request takes the overflow path: /logs3/overflow hands out a
// signed URL, the SDK uploads the whole batch there and posts a logs3_overflow reference. The SDK
// only does this when /version advertises logs3_payload_max_bytes; the effective cap is the lower
// of that and BRAINTRUST_MAX_REQUEST_SIZE, which this file lowers so that a 512 KiB row is enough.
import { test } from "node:test";
import assert from "node:assert/strict";
import { initLogger } from "braintrust";
import { checkedFlush, guardFlushes, readObject, uniqueName } from "#harness";

process.env.BRAINTRUST_MAX_REQUEST_SIZE = String(128 * 1024); // read when the SDK's logger is first built

// Which paths the SDK posts to: proves the overflow path was taken rather than one big /logs3.
const posted = [];
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = typeof input === "string" ? input : (input.url ?? String(input));
  if ((init?.method ?? "GET").toUpperCase() !== "GET") posted.push(new URL(url).pathname);
  return realFetch(input, init);
};

test("a row bigger than the request cap goes through /logs3/overflow and reads back whole", async () => {
  guardFlushes();
  const logger = initLogger({ projectName: uniqueName("sdk-overflow") });
  const big = "x".repeat(512 * 1024);
  const id = logger.log({ input: { big }, output: { size: big.length }, metadata: { kind: "overflow" } });
  await checkedFlush();

  assert.ok(posted.includes("/logs3/overflow"), `the SDK took the overflow path (posted: ${[...new Set(posted)].join(", ")})`);
  const rows = await readObject("project_logs", await logger.id);
  const row = rows.find((r) => r.id === id);
  assert.ok(row, "the overflowed row is stored");
  assert.equal(row.input.big.length, big.length);
  assert.equal(row.input.big, big);
  assert.deepEqual(row.output, { size: big.length });
  assert.deepEqual(row.metadata, { kind: "overflow" });
});
