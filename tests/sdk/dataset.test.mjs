// initDataset: insert (with and without a caller id), update (metadata deep-merged), delete, fetch,
// version (max _xact_id by string comparison), summarize (/dataset-summary), a pinned version that
// keeps reading the old rows, and reopening by id (/api/self/get_object_info). Snapshots: createSnapshot
// (/xact-id, /api/dataset_snapshot/register), list/get, initDataset({snapshotName}) pinned to the
// snapshot's rows, updateSnapshot (rename) and deleteSnapshot.
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

test("dataset snapshots: create, list, get, pin by name, move, rename, delete", async () => {
  guardFlushes();
  const project = uniqueName("sdk-snapshot");
  const name = uniqueName("ds");
  const dataset = initDataset(project, { dataset: name });
  dataset.insert({ id: "one", input: 1, expected: "a" });
  dataset.insert({ id: "two", input: 2, expected: "b" });
  await checkedFlush();

  const baseline = await dataset.createSnapshot({ name: "baseline", description: "two rows" });
  assert.equal(baseline.name, "baseline");
  assert.equal(baseline.description, "two rows");
  assert.equal(baseline.dataset_id, await dataset.id);
  assert.equal(typeof baseline.xact_id, "string");

  // After the snapshot: a new row, a changed row and a deleted row.
  dataset.insert({ id: "three", input: 3, expected: "c" });
  dataset.update({ id: "one", expected: "changed" });
  await checkedFlush();
  dataset.delete("two");
  await checkedFlush();

  const rowsOf = async (d) => Object.fromEntries((await d.fetchedData()).map((r) => [r.id, r.expected]));
  assert.deepEqual(await rowsOf(dataset), { one: "changed", three: "c" });
  const pinned = initDataset(project, { dataset: name, snapshotName: "baseline" });
  assert.deepEqual(await rowsOf(pinned), { one: "a", two: "b" }, "the rows as they were at the snapshot");
  assert.equal(await pinned.version(), baseline.xact_id);

  const listed = await dataset.listSnapshots();
  assert.deepEqual(listed.map((s) => s.id), [baseline.id]);
  assert.equal((await dataset.getSnapshot({ snapshotName: "baseline" })).id, baseline.id);
  assert.equal((await dataset.getSnapshot({ xactId: baseline.xact_id })).id, baseline.id);
  assert.equal(await dataset.getSnapshot({ snapshotName: "missing" }), undefined);

  // The same name again keeps the snapshot where it was, unless update moves it to now.
  const again = await dataset.createSnapshot({ name: "baseline" });
  assert.equal(again.id, baseline.id);
  assert.equal(again.xact_id, baseline.xact_id);
  const moved = await dataset.createSnapshot({ name: "baseline", update: true });
  assert.equal(moved.id, baseline.id);
  assert.ok(moved.xact_id > baseline.xact_id, `${moved.xact_id} > ${baseline.xact_id}`);
  assert.deepEqual(await rowsOf(initDataset(project, { dataset: name, snapshotName: "baseline" })), { one: "changed", three: "c" });

  const renamed = await dataset.updateSnapshot(baseline.id, { name: "release", description: null });
  assert.equal(renamed.name, "release");
  assert.equal(renamed.description, null);
  assert.equal(await dataset.getSnapshot({ snapshotName: "baseline" }), undefined);
  assert.equal((await dataset.getSnapshot({ snapshotName: "release" })).id, baseline.id);

  const deleted = await dataset.deleteSnapshot(baseline.id);
  assert.equal(deleted.id, baseline.id);
  assert.deepEqual(await dataset.listSnapshots(), []);
  await assert.rejects(
    initDataset(project, { dataset: name, snapshotName: "release" }).fetchedData(),
    /Dataset snapshot "release" not found/,
  );
  assert.deepEqual(await rowsOf(dataset), { one: "changed", three: "c" }, "deleting a snapshot leaves the rows");
});
