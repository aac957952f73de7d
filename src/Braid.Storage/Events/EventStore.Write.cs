using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Query.Search;
using Braid.Storage.Merge;
using Braid.Storage.Rollups;
using Braid.Storage.Xact;

namespace Braid.Storage.Events;

public sealed partial class EventStore
{
    /// <summary>
    /// Readies a plain insert of a new id on the request's thread, so the single writer only writes it: the stored text
    /// (see <see cref="RowFields.Prepare"/>), <c>created</c> and the search tokens. Null when the row needs the writer's
    /// knowledge (a merge, a delete, a <c>_parent_id</c> to resolve).
    /// </summary>
    public PreparedRow? Prepare(JsonObject row, DateTimeOffset now)
    {
        if (RowFields.Prepare(row, now) is not { } text)
        {
            return null;
        }

        // Prepare put a defaulted created in the text only.
        var created = row[RowFields.Created] is { } given ? Clock.NormalizeCreated(given) : Clock.Format(now);
        return new PreparedRow(text, created, SearchEntry.For(row, Dialect));
    }

    /// <summary>
    /// Commits a batch of jobs in one transaction (group commit: one fsync for many requests). Each job gets
    /// the next transaction id and runs inside a savepoint, so a job that fails with a <see cref="StoreException"/>
    /// leaves no trace and the others still commit. If the batch as a whole fails, each job is retried alone.
    /// </summary>
    public async Task ApplyAsync(IReadOnlyList<WriteJob> jobs)
    {
        try
        {
            await ApplyBatchAsync(jobs);
        }
        catch (Exception) when (jobs.Count > 1)
        {
            foreach (var job in jobs)
            {
                try
                {
                    await ApplyBatchAsync([job]);
                }
                catch (Exception e)
                {
                    job.Fail(e);
                }
            }
        }
        catch (Exception e)
        {
            jobs[0].Fail(e);
        }
    }

    private async Task ApplyBatchAsync(IReadOnlyList<WriteJob> jobs)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var rows = new RowCommands(connection, transaction, Dialect);
        var last = await rows.LockLastXactAsync();
        var committed = new List<(WriteJob Job, long Xact)>(jobs.Count);

        // Where the store takes arrays, consecutive jobs made only of prepared inserts (the SDK's steady state)
        // go in together: one statement for all their rows, each row under its own job's transaction id.
        var bulk = new List<(InsertOp Op, long Xact)>();
        var bulkJobs = new List<(WriteJob Job, long Xact)>();
        foreach (var job in jobs)
        {
            var xact = XactId.Next(last, time.GetUtcNow());
            if (Dialect.SupportsArrayParameters && job.Ops.All(op => op is InsertOp { Prepared: not null }))
            {
                bulk.AddRange(job.Ops.Select(op => ((InsertOp)op, xact)));
                bulkJobs.Add((job, xact));
                last = xact;
                continue;
            }

            await InsertBulkAsync(rows, bulk);
            committed.AddRange(bulkJobs);
            bulkJobs.Clear();

            // Only feedback can fail on its own (a missing row); other failures sink the batch, which is then
            // retried job by job. Savepoints cost a sub-journal of every page touched, so only those jobs pay it.
            var guarded = job.Ops.Any(op => op is FeedbackOp);
            if (guarded)
            {
                await transaction.SaveAsync("job");
            }

            try
            {
                await ApplyJobAsync(rows, job, xact);

                if (guarded)
                {
                    await transaction.ReleaseAsync("job");
                }

                committed.Add((job, xact));
                last = xact;
            }
            catch (StoreException e) when (guarded)
            {
                await transaction.RollbackAsync("job");
                rows.ForgetTraces();
                job.Fail(e);
            }
        }

        await InsertBulkAsync(rows, bulk);
        committed.AddRange(bulkJobs);
        await rows.SetLastXactAsync(last);
        await transaction.CommitAsync();
        foreach (var (job, xact) in committed)
        {
            job.Complete(xact);
        }
    }

    /// <summary>
    /// Applies a job's operations in order. Where the store takes arrays (PostgreSQL), each run of prepared inserts
    /// goes in as one statement per table instead of one round trip per row per table.
    /// </summary>
    private async Task ApplyJobAsync(RowCommands rows, WriteJob job, long xact)
    {
        var run = new List<(InsertOp, long)>();
        foreach (var op in job.Ops)
        {
            if (Dialect.SupportsArrayParameters && op is InsertOp { Prepared: not null } prepared)
            {
                run.Add((prepared, xact));
                continue;
            }

            await InsertBulkAsync(rows, run);
            await (op switch
            {
                InsertOp insert => InsertAsync(rows, insert, xact),
                FeedbackOp feedback => FeedbackAsync(rows, feedback, xact, job.UserId),
                _ => throw new InvalidOperationException(op.GetType().Name),
            });
        }

        await InsertBulkAsync(rows, run);
    }

    /// <summary>Inserts a run of prepared rows with one statement and empties the run.</summary>
    private async Task InsertBulkAsync(RowCommands rows, List<(InsertOp Op, long Xact)> run)
    {
        if (run.Count == 0)
        {
            return;
        }

        // Rows whose id already had a live row were written as new versions; finish them as replaces, in order.
        foreach (var (op, xact, seq) in await rows.BulkInsertNewAsync(run))
        {
            await InsertAsync(rows, op, xact, seq);
        }

        run.Clear();
    }

    private async Task InsertAsync(RowCommands rows, InsertOp op, long xact, long? written = null)
    {
        var row = op.Row;
        var id = (string)row[RowFields.Id]!;

        // The common case, a new id with its row prepared by the request: three inserts and done. If the id turns
        // out to exist, the version just written is rewritten below with what a replace keeps.
        if (written is null && op.Prepared is { } prepared)
        {
            written = await rows.TryInsertNewAsync(op.Object, id, xact, (string)row[RowFields.RootSpanId]!, prepared);
            if (written is null)
            {
                return;
            }
        }

        var isMerge = row[RowFields.IsMerge]?.GetValueKind() == JsonValueKind.True;
        var isDelete = row[RowFields.ObjectDelete]?.GetValueKind() == JsonValueKind.True;
        var mergePaths = row[RowFields.MergePaths]?.AsArray().Select(p => p!.AsArray().Select(k => (string)k!).ToArray()).ToList();
        var arrayDeletes = row[RowFields.ArrayDelete]?.AsArray();
        var parentId = row[RowFields.ParentId]?.GetValue<string>();
        RowFields.RemoveControlsAndIdentity(row);
        var existing = await rows.LoadAsync(op.Object, id);
        if (isDelete)
        {
            if (existing is not null)
            {
                await rows.WriteAsync(op.Object, id, xact, existing.RootSpanId, new JsonObject { [RowFields.Id] = id }, deleted: true);
                if (LogRollupStore.RollsUp(op.Object.Type))
                {
                    await rows.MarkRollupHourAsync(op.Object, existing.Data[RowFields.Created]);
                }
            }

            return;
        }

        JsonObject next;
        if (isMerge && existing is not null)
        {
            // Merges never move a span: its placement comes from the first write.
            next = existing.Data;
            foreach (var field in RowFields.Placement)
            {
                row.Remove(field);
            }

            JsonMerge.Into(next, row, mergePaths);
            foreach (var delete in arrayDeletes ?? [])
            {
                var path = delete!["path"]!.AsArray().Select(k => (string)k!).ToList();
                JsonMerge.DeleteFromArray(next, path, delete["delete"]!.AsArray());
            }
        }
        else
        {
            next = row;
            if (existing is not null)
            {
                // A replace rewrites what the client owns; feedback history and the creation time stay.
                foreach (var field in new[] { RowFields.Comments, RowFields.AuditData, RowFields.Created })
                {
                    if (next[field] is null && existing.Data[field] is { } kept)
                    {
                        next[field] = kept.DeepClone();
                    }
                }
            }

            if (parentId is not null && next[RowFields.SpanParents] is null && await rows.LoadAsync(op.Object, parentId) is { } parent)
            {
                next[RowFields.SpanParents] = new JsonArray(parent.Data[RowFields.SpanId]?.DeepClone());
                next[RowFields.RootSpanId] ??= parent.RootSpanId;
            }

            RowFields.FillPlacement(next);
            next[RowFields.Created] ??= Clock.Format(XactId.Time(xact));
        }

        await rows.WriteAsync(op.Object, id, xact, (string)next[RowFields.RootSpanId]!, next, deleted: false, written);
    }

    /// <summary>
    /// Feedback merges into the row: scores merge, expected and tags replace, a comment joins <c>comments</c>,
    /// and every call is recorded in <c>audit_data</c>. A replayed call (same item, same user) changes nothing.
    /// </summary>
    private static async Task FeedbackAsync(RowCommands rows, FeedbackOp op, long xact, string userId)
    {
        var item = op.Item;
        var id = (string)item[RowFields.Id]!;
        var existing = await rows.LoadAsync(op.Object, id)
            ?? throw new StoreException(StoreError.NotFound, $"feedback: no row with id '{id}' in this {op.Object.TypeName}");
        var row = existing.Data;
        var source = (string?)item["source"] ?? "external";
        var given = item.DeepClone().AsObject();
        given.Remove(RowFields.Id);

        var audit = row[RowFields.AuditData] as JsonArray ?? [];
        if (audit.Any(e => (string?)e?["user_id"] == userId && JsonNode.DeepEquals(e?["feedback"], given)))
        {
            return;
        }

        var created = Clock.Format(XactId.Time(xact));
        if (item["scores"] is JsonObject scores)
        {
            if (row["scores"] is not JsonObject current)
            {
                row["scores"] = current = [];
            }

            JsonMerge.Into(current, scores);
        }

        foreach (var field in new[] { "expected", "tags" })
        {
            if (item.TryGetPropertyValue(field, out var value))
            {
                row[field] = value?.DeepClone();
            }
        }

        if (item["comment"] is JsonValue comment && comment.GetValueKind() == JsonValueKind.String)
        {
            var comments = row[RowFields.Comments] as JsonArray ?? [];
            comments.Add(new JsonObject
            {
                ["id"] = Guid.CreateVersion7().ToString(),
                ["created"] = created,
                ["comment"] = new JsonObject { ["text"] = comment.DeepClone() },
                ["source"] = source,
                ["user_id"] = userId,
                ["metadata"] = item["metadata"]?.DeepClone(),
            });
            row[RowFields.Comments] = comments;
        }

        audit.Add(new JsonObject
        {
            ["source"] = source,
            ["user_id"] = userId,
            ["created"] = created,
            ["_xact_id"] = XactId.Format(xact),
            ["metadata"] = item["metadata"]?.DeepClone(),
            ["feedback"] = given,
        });
        row[RowFields.AuditData] = audit;
        await rows.WriteAsync(op.Object, id, xact, existing.RootSpanId, row, deleted: false);
    }

    private sealed record CurrentRow(JsonObject Data, string RootSpanId);

    /// <summary>The write path's statements, built once per batch and reused for every row.</summary>
    private sealed class RowCommands(DbConnection connection, DbTransaction transaction, SqlDialect dialect) : IAsyncDisposable
    {
        private readonly DbCommand _load = Commands.Create(connection, transaction, """
            SELECT h.data, c.root_span_id FROM event_current c JOIN event_history h ON h.seq = c.history_seq
            WHERE c.object_type = @t AND c.object_id = @o AND c.id = @id
            """, "@t", "@o", "@id");

        // With a search_tokens column (PostgreSQL) a version's tokens go in with it, as @s (see SearchEntry.Tagged);
        // SQLite indexes the version in event_search afterwards (IndexAsync).
        private readonly DbCommand _history = dialect.HasSearchTokensColumn
            ? Commands.Create(connection, transaction, $"""
                INSERT INTO event_history (object_type, object_id, id, xact_id, root_span_id, deleted, data, search_tokens)
                VALUES (@t, @o, @id, @x, @r, @d, {dialect.JsonParameter("data")}, string_to_array(@s, ' ')) RETURNING seq
                """, "@t", "@o", "@id", "@x", "@r", "@d", "@data", "@s")
            : Commands.Create(connection, transaction, $"""
                INSERT INTO event_history (object_type, object_id, id, xact_id, root_span_id, deleted, data)
                VALUES (@t, @o, @id, @x, @r, @d, {dialect.JsonParameter("data")}) RETURNING seq
                """, "@t", "@o", "@id", "@x", "@r", "@d", "@data");

        private readonly DbCommand _rewrite = dialect.HasSearchTokensColumn
            ? Commands.Create(connection, transaction, $"""
                UPDATE event_history SET root_span_id = @r, data = {dialect.JsonParameter("data")}, search_tokens = string_to_array(@s, ' ')
                WHERE seq = @seq
                """, "@r", "@data", "@seq", "@s")
            : Commands.Create(connection, transaction, $"""
                UPDATE event_history SET root_span_id = @r, data = {dialect.JsonParameter("data")} WHERE seq = @seq
                """, "@r", "@data", "@seq");

        private readonly DbCommand? _search = dialect.HasSearchTokensColumn
            ? null
            : Commands.Create(connection, transaction, $"""
                INSERT INTO event_search (rowid, {string.Join(", ", SearchTokens.Fields)})
                VALUES (@seq, {string.Join(", ", SearchTokens.Fields.Select((_, i) => $"@f{i}"))})
                """, ["@seq", .. SearchTokens.Fields.Select((_, i) => $"@f{i}")]);

        private readonly DbCommand? _unsearch = dialect.HasSearchTokensColumn
            ? null
            : Commands.Create(connection, transaction, "DELETE FROM event_search WHERE rowid = @seq", "@seq");

        private readonly DbCommand _newCurrent = Commands.Create(connection, transaction, """
            INSERT INTO event_current (object_type, object_id, id, history_seq, xact_id, root_span_id, created)
            VALUES (@t, @o, @id, @seq, @x, @r, @c)
            ON CONFLICT (object_type, object_id, id) DO NOTHING
            """, "@t", "@o", "@id", "@seq", "@x", "@r", "@c");

        private readonly DbCommand _current = Commands.Create(connection, transaction, """
            INSERT INTO event_current (object_type, object_id, id, history_seq, xact_id, root_span_id, created)
            VALUES (@t, @o, @id, @seq, @x, @r, @c)
            ON CONFLICT (object_type, object_id, id)
            DO UPDATE SET history_seq = excluded.history_seq, xact_id = excluded.xact_id, root_span_id = excluded.root_span_id,
                created = excluded.created
            """, "@t", "@o", "@id", "@seq", "@x", "@r", "@c");

        private readonly DbCommand _uncurrent = Commands.Create(connection, transaction,
            "DELETE FROM event_current WHERE object_type = @t AND object_id = @o AND id = @id", "@t", "@o", "@id");

        /// <summary>A removal leaves no higher history_seq behind, so kept summaries learn of it here (TraceSummaryStore).</summary>
        private readonly DbCommand _removed = Commands.Create(connection, transaction, EventStore.CountRemovals, "@t", "@o", "@n");

        private readonly HashSet<(string, string)> _tracesWritten = [];

        private readonly DbCommand _rollupHour = Commands.Create(connection, transaction, """
            INSERT INTO log_rollup_dirty (object_type, object_id, hour) VALUES (@t, @o, @h) ON CONFLICT DO NOTHING
            """, "@t", "@o", "@h");

        private readonly DbCommand _trace = Commands.Create(connection, transaction, """
            INSERT INTO event_traces (object_type, object_id, root_span_id, first_xact) VALUES (@t, @o, @r, @x)
            ON CONFLICT DO NOTHING
            """, "@t", "@o", "@r", "@x");

        public async Task<long> LockLastXactAsync()
        {
            await using var command = Commands.Create(connection, transaction, "SELECT last_xact FROM braid_xact WHERE id = 1" + dialect.ForUpdate);
            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }

        public async Task SetLastXactAsync(long last)
        {
            await using var command = Commands.Create(connection, transaction, "UPDATE braid_xact SET last_xact = @x WHERE id = 1", "@x");
            command.Parameters[0].Value = last;
            await command.ExecuteNonQueryAsync();
        }

        public async Task<CurrentRow?> LoadAsync(EventObject obj, string id)
        {
            Commands.Bind(_load, obj.TypeName, obj.Id, id);
            await using var reader = await _load.ExecuteReaderAsync();
            return await reader.ReadAsync()
                ? new CurrentRow(JsonNode.Parse(reader.GetString(0))!.AsObject(), reader.GetString(1))
                : null;
        }

        /// <summary>
        /// The array form of <see cref="TryInsertNewAsync"/> for a run of prepared rows: one statement per table.
        /// Returns the rows (with their new version's seq) whose id already had a live row.
        /// </summary>
        public async Task<List<(InsertOp Op, long Xact, long Seq)>> BulkInsertNewAsync(List<(InsertOp Op, long Xact)> run)
        {
            var types = run.Select(r => r.Op.Object.TypeName).ToArray();
            var objects = run.Select(r => r.Op.Object.Id).ToArray();
            var ids = run.Select(r => (string)r.Op.Row[RowFields.Id]!).ToArray();
            var roots = run.Select(r => (string)r.Op.Row[RowFields.RootSpanId]!).ToArray();
            var data = run.Select(r => r.Op.Prepared!.Text).ToArray();
            var xacts = run.Select(r => r.Xact).ToArray();
            var tokens = run.Select(r => r.Op.Prepared!.Search.Tagged).ToArray();
            var created = run.Select(r => r.Op.Prepared!.Created).ToArray();
            // Only the history insert sees the arrays; the current rows take their created by position (row_number over
            // seq), which holds because versions are numbered in the run's order (checked below).
            await using var command = Commands.Create(connection, transaction, """
                WITH h AS (
                    INSERT INTO event_history (object_type, object_id, id, xact_id, root_span_id, deleted, data, search_tokens)
                    SELECT u.t, u.o, u.id, u.x, u.r, false, CAST(u.d AS jsonb), string_to_array(u.s, ' ')
                    FROM unnest(@t, @o, @id, @r, @d, @x, @s) WITH ORDINALITY AS u(t, o, id, r, d, x, s, n)
                    ORDER BY u.n
                    RETURNING seq, object_type, object_id, id, root_span_id, xact_id),
                c AS (
                    INSERT INTO event_current (object_type, object_id, id, history_seq, xact_id, root_span_id, created)
                    SELECT object_type, object_id, id, seq, xact_id, root_span_id, (@c::text[])[row_number() OVER (ORDER BY seq)]
                    FROM h ORDER BY seq
                    ON CONFLICT (object_type, object_id, id) DO NOTHING
                    RETURNING history_seq),
                tr AS (
                    INSERT INTO event_traces (object_type, object_id, root_span_id, first_xact)
                    SELECT object_type, object_id, root_span_id, MIN(xact_id) FROM h GROUP BY object_type, object_id, root_span_id
                    ON CONFLICT DO NOTHING)
                SELECT h.seq, h.id, h.seq IN (SELECT history_seq FROM c) FROM h ORDER BY h.seq
                """, "@t", "@o", "@id", "@r", "@d", "@x", "@s", "@c");
            Commands.Bind(command, types, objects, ids, roots, data, xacts, tokens, created);
            // Versions are numbered in the order the rows were inserted, which is the run's order.
            var taken = new List<(InsertOp, long, long)>();
            await using var reader = await command.ExecuteReaderAsync();
            for (var i = 0; await reader.ReadAsync(); i++)
            {
                if (reader.GetString(1) != ids[i])
                {
                    throw new InvalidOperationException("bulk insert returned its versions out of order");
                }

                if (!reader.GetBoolean(2))
                {
                    taken.Add((run[i].Op, run[i].Xact, reader.GetInt64(0)));
                }
            }

            return taken;
        }

        /// <summary>Writes the first version of a row; returns null when done, or the version's seq when the id already had a live row.</summary>
        public async Task<long?> TryInsertNewAsync(EventObject obj, string id, long xact, string rootSpanId, PreparedRow row)
        {
            Commands.Bind(_history, obj.TypeName, obj.Id, id, xact, rootSpanId, false, row.Text);
            BindTagged(_history, row.Search);
            var seq = Convert.ToInt64(await _history.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
            Commands.Bind(_newCurrent, obj.TypeName, obj.Id, id, seq, xact, rootSpanId, (object?)row.Created ?? DBNull.Value);
            if (await _newCurrent.ExecuteNonQueryAsync() == 0)
            {
                return seq;
            }

            await IndexAsync(seq, row.Search, rewrite: false);
            await InsertTraceAsync(obj, rootSpanId, xact);
            return null;
        }

        /// <summary>
        /// Writes a version of a row (or rewrites version <paramref name="seq"/> of this transaction), indexes it for
        /// search unless it is a tombstone, and points the row at it.
        /// </summary>
        public async Task WriteAsync(EventObject obj, string id, long xact, string rootSpanId, JsonObject row, bool deleted, long? seq = null)
        {
            var data = row.ToJsonString();
            var search = deleted ? null : SearchEntry.For(row, dialect);
            var rewrite = seq is not null;
            if (seq is null)
            {
                Commands.Bind(_history, obj.TypeName, obj.Id, id, xact, rootSpanId, deleted, data);
                BindTagged(_history, search);
                seq = Convert.ToInt64(await _history.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                Commands.Bind(_rewrite, rootSpanId, data, seq.Value);
                BindTagged(_rewrite, search);
                await _rewrite.ExecuteNonQueryAsync();
            }

            if (search is null)
            {
                Commands.Bind(_uncurrent, obj.TypeName, obj.Id, id);
                if (await _uncurrent.ExecuteNonQueryAsync() > 0)
                {
                    Commands.Bind(_removed, obj.TypeName, obj.Id, 1L);
                    await _removed.ExecuteNonQueryAsync();
                }

                return;
            }

            await IndexAsync(seq.Value, search, rewrite);
            Commands.Bind(_current, obj.TypeName, obj.Id, id, seq.Value, xact, rootSpanId, (object?)Clock.NormalizeCreated(row[RowFields.Created]) ?? DBNull.Value);
            await _current.ExecuteNonQueryAsync();
            await InsertTraceAsync(obj, rootSpanId, xact);
        }

        /// <summary>Sets a history statement's trailing <c>@s</c> where the store keeps tokens in the history row.</summary>
        private void BindTagged(DbCommand history, SearchEntry? search)
        {
            if (dialect.HasSearchTokensColumn)
            {
                history.Parameters["@s"].Value = (object?)search?.Tagged ?? DBNull.Value;
            }
        }

        /// <summary>
        /// Adds a version to <c>event_search</c> (SQLite). A rewritten version's entry, if it has one, is deleted first:
        /// the table is contentless_delete, so that takes only the rowid.
        /// </summary>
        private async Task IndexAsync(long seq, SearchEntry search, bool rewrite)
        {
            if (_search is null || _unsearch is null)
            {
                return;
            }

            if (rewrite)
            {
                Commands.Bind(_unsearch, seq);
                await _unsearch.ExecuteNonQueryAsync();
            }

            _search.Parameters[0].Value = seq;
            for (var i = 0; i < search.Columns!.Length; i++)
            {
                _search.Parameters[i + 1].Value = (object?)search.Columns[i] ?? DBNull.Value;
            }

            await _search.ExecuteNonQueryAsync();
        }

        /// <summary>
        /// A deleted span leaves its log's live rows without a new current version for the rollups to notice: its hour
        /// is marked to be counted again (LogRollupStore).
        /// </summary>
        public async Task MarkRollupHourAsync(EventObject obj, JsonNode? created)
        {
            Commands.Bind(_rollupHour, obj.TypeName, obj.Id, LogRollupStore.HourOf(created));
            await _rollupHour.ExecuteNonQueryAsync();
        }

        /// <summary>After a rollback to a savepoint the trace entries written since are gone too.</summary>
        public void ForgetTraces() => _tracesWritten.Clear();

        private async Task InsertTraceAsync(EventObject obj, string rootSpanId, long xact)
        {
            // Spans of one trace usually arrive together: insert each trace's entry once per batch.
            if (!_tracesWritten.Add((obj.Id, rootSpanId)))
            {
                return;
            }

            Commands.Bind(_trace, obj.TypeName, obj.Id, rootSpanId, xact);
            await _trace.ExecuteNonQueryAsync();
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var command in new[] { _load, _history, _rewrite, _search, _unsearch, _newCurrent, _current, _uncurrent, _removed, _trace, _rollupHour })
            {
                if (command is not null)
                {
                    await command.DisposeAsync();
                }
            }
        }
    }
}
