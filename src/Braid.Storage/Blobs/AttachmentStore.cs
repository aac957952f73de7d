using Dapper;

namespace Braid.Storage.Blobs;

public sealed record Attachment(string OrgId, string Key, string Filename, string ContentType, string UploadStatus, string? ErrorMessage);

/// <summary>The upload state of attachments; their bytes are in the <see cref="BlobStore"/>.</summary>
public sealed class AttachmentStore(Database database)
{
    public async Task UpsertAsync(string orgId, string key, string filename, string contentType)
    {
        var now = Clock.Format(DateTimeOffset.UtcNow);
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync(
            """
            INSERT INTO attachments (org_id, key, filename, content_type, upload_status, created, updated)
            VALUES (@orgId, @key, @filename, @contentType, 'uploading', @now, @now)
            ON CONFLICT (org_id, key) DO UPDATE SET filename = excluded.filename, content_type = excluded.content_type,
                upload_status = 'uploading', error_message = NULL, updated = excluded.updated
            """,
            new { orgId, key, filename, contentType, now });
    }

    public async Task<bool> SetStatusAsync(string orgId, string key, string status, string? errorMessage)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteAsync(
            "UPDATE attachments SET upload_status = @status, error_message = @errorMessage, updated = @now WHERE org_id = @orgId AND key = @key",
            new { orgId, key, status, errorMessage, now = Clock.Format(DateTimeOffset.UtcNow) }) == 1;
    }

    public async Task<Attachment?> GetAsync(string orgId, string key)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<Attachment>(
            """
            SELECT org_id AS OrgId, key, filename, content_type AS ContentType, upload_status AS UploadStatus, error_message AS ErrorMessage
            FROM attachments WHERE org_id = @orgId AND key = @key
            """,
            new { orgId, key });
    }
}
