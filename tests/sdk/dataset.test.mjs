// initDataset: insert (with and without a caller id), update (metadata deep-merged), delete, fetch,
// version (max _xact_id by string comparison), summarize (/dataset-summary), a pinned version that
// keeps reading the old rows, and reopening by id (/api/self/get_object_info).
import { test } from "node:test";
import assert from "node:assert/strict";
import { initDataset } from "braintrust";
import { checkedFlush, guardFlushes, uniqueName } from "#harness";

test("initDataset insert/update/delete/fetch/version/summarize", async () => {
  guardFlushes();
  const project = uniqueName("sdk-dataset");
  const dataset = initDataset(project, { dataset: uniqueName("ds"), description: "sdk test" });

  const a = dataset.insert({ input: { q: "2+2" }, expected: { a: 4 }, metadata: { source: "hand", extra: { x: 1 } }, tags: ["math"] });
  const b = dataset.insert({ id: "caller-chosen-id", input: { q: "3+3" }, expected: { a: 6 } });
  const c = dataset.insert({ input: { q: "to delete" }, expected: null });
  assert.equal(b, "caller-chosen-id");
  await checkedFlush();

  // The delete goes first: version() is the newest _xact_id among the rows still there, so a
  // delete's own transaction never counts (and the SDK sends each of these in a request of its own).
  dataset.delete(c);
  await checkedFlush();
  dataset.update({ id: a, metadata: { extra: { y: 2 } }, expected: { a: 4, checked: true } });
  await checkedFlush();

  const rows = await dataset.fetchedData();
  const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
  assert.deepEqual(Object.keys(byId).sort(), [a, b].sort(), "the deleted record is gone");
  assert.deepEqual(byId[a].input, { q: "2+2" });
  assert.deepEqual(byId[a].expected, { a: 4, checked: true });
  assert.deepEqual(byId[a].metadata, { source: "hand", extra: { x: 1, y: 2 } }, "metadata is deep-merged");
  assert.deepEqual(byId[a].tags, ["math"]);
  assert.deepEqual(byId[b].expected, { a: 6 });
  for (const row of rows) assert.equal(typeof row._xact_id, "string");

  const version = await dataset.version();
  assert.equal(version, rows.map((r) => r._xact_id).sort().at(-1), "version is the newest _xact_id");

  // A later insert is invisible to a dataset pinned at the earlier version.
  dataset.insert({ input: { q: "later" }, expected: { a: 0 } });
  await checkedFlush();
  const pinned = initDataset(project, { dataset: await dataset.name, version });
  assert.equal((await pinned.fetchedData()).length, 2);

  // Reopened by id: the SDK resolves the name and project through /api/self/get_object_info.
  const byDatasetId = initDataset({ datasetId: await dataset.id });
  assert.equal(await byDatasetId.name, await dataset.name);
  assert.equal((await byDatasetId.fetchedData()).length, 3);

  // Last: the counts, which come only from /dataset-summary.
  const summary = await dataset.summarize();
  assert.equal(summary.dataSummary.totalRecords, 3);
  assert.equal(summary.dataSummary.newRecords, 4, "every insert this handle made");
});
