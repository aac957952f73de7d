// The guard every SDK scenario relies on: the SDK swallows background-flush errors (flush() resolves
// anyway), so checkedFlush() must turn a failed flush into a failed test. Proved here against a
// base URL with no server routes behind it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { initLogger } from "braintrust";
import { APP_URL, checkedFlush, guardFlushes, uniqueName } from "#harness";

test("checkedFlush fails when the SDK's background flush fails", async () => {
  guardFlushes();
  const logger = initLogger({ projectName: uniqueName("sdk-guard"), appUrl: `${APP_URL}/no-such-base` });
  logger.log({ input: "x", output: "y" });
  await assert.rejects(checkedFlush(), /background flush reported \d+ error/);
});
