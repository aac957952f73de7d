using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Braid.Server.Http;

namespace Braid.Server.Automations;

/// <summary>
/// Where an export automation's files go, from its <c>export_path</c>: <c>s3://bucket/prefix</c> (AWS, or the
/// S3-compatible endpoint <see cref="AutomationOptions.S3ServiceUrl"/>), or <c>file://path</c> under
/// <see cref="AutomationOptions.ExportDirectory"/>. A file is written whole to a temporary file first and then
/// published under its final name in one step (a rename, or one PUT), so a reader never sees half a file, and a
/// file published again under the same name replaces the first: that is what makes a resumed batch exactly-once.
/// </summary>
public abstract class ExportTarget
{
    public static ExportTarget Parse(string exportPath, ServerOptions options)
    {
        var automations = options.Automations;
        if (exportPath.StartsWith("s3://", StringComparison.Ordinal))
        {
            var rest = exportPath["s3://".Length..].TrimEnd('/');
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var bucket = slash < 0 ? rest : rest[..slash];
            if (bucket.Length == 0)
            {
                throw ApiException.BadRequest($"config.export_path: '{exportPath}' names no bucket (s3://bucket/prefix)");
            }

            return new S3Target(automations, bucket, slash < 0 ? "" : rest[(slash + 1)..], exportPath);
        }

        if (exportPath.StartsWith("file://", StringComparison.Ordinal))
        {
            var root = Path.GetFullPath(automations.ExportDirectory is { Length: > 0 } dir ? dir : Path.Combine(options.DataDirectory, "exports"));
            var given = exportPath["file://".Length..];
            var directory = Path.GetFullPath(Path.IsPathRooted(given) ? given : Path.Combine(root, given));
            if (directory != root && !directory.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw ApiException.BadRequest(
                    $"config.export_path: '{exportPath}' is outside this server's export directory ({root}); set Braid:Automations:ExportDirectory to allow another");
            }

            return new LocalTarget(directory, exportPath);
        }

        throw ApiException.BadRequest($"config.export_path: '{exportPath}' must start with s3:// (a bucket) or file:// (a directory on the server)");
    }

    /// <summary>The export path as its user wrote it.</summary>
    public abstract string Root { get; }

    /// <summary>A temporary file for a file to be published as <paramref name="name"/>.</summary>
    public abstract string TemporaryFile(string name);

    /// <summary>Publishes the written <paramref name="temporaryFile"/> as <paramref name="name"/> (a relative path), replacing any file of that name.</summary>
    public abstract Task PublishAsync(string temporaryFile, string name, CancellationToken cancellationToken);

    private sealed class LocalTarget(string directory, string root) : ExportTarget
    {
        public override string Root => root;

        // Next to the final file, so publishing is a rename within one file system.
        public override string TemporaryFile(string name)
        {
            var final = Path.Combine(directory, name);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            return Path.Combine(Path.GetDirectoryName(final)!, $".{Path.GetFileName(final)}.{Guid.NewGuid():N}.tmp");
        }

        public override Task PublishAsync(string temporaryFile, string name, CancellationToken cancellationToken)
        {
            File.Move(temporaryFile, Path.Combine(directory, name), overwrite: true);
            return Task.CompletedTask;
        }
    }

    private sealed class S3Target(AutomationOptions options, string bucket, string prefix, string root) : ExportTarget
    {
        public override string Root => root;

        public override string TemporaryFile(string name) => Path.Combine(Path.GetTempPath(), $"braid-export-{Guid.NewGuid():N}.tmp");

        public override async Task PublishAsync(string temporaryFile, string name, CancellationToken cancellationToken)
        {
            // A plain signed PUT with the payload's hash (no aws-chunked body, no trailing checksums): what every
            // S3-compatible store accepts, not only AWS.
            var config = new AmazonS3Config
            {
                ForcePathStyle = options.S3ServiceUrl is { Length: > 0 },
                RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
                ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            };
            // An endpoint of its own takes the region only for signing; AWS itself is reached by region.
            if (options.S3ServiceUrl is { Length: > 0 } url)
            {
                config.ServiceURL = url;
                config.AuthenticationRegion = options.S3Region is { Length: > 0 } signing ? signing : null;
            }
            else if (options.S3Region is { Length: > 0 } region)
            {
                config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region);
            }

            // Keys from the configuration when given, else the AWS SDK's own chain (environment, profile, instance role).
            using var client = options.S3AccessKeyId is { Length: > 0 } keyId
                ? new AmazonS3Client(new BasicAWSCredentials(keyId, options.S3SecretAccessKey), config)
                : new AmazonS3Client(config);
            try
            {
                await client.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = bucket,
                    Key = prefix.Length == 0 ? name : $"{prefix}/{name}",
                    FilePath = temporaryFile,
                    UseChunkEncoding = false,
                }, cancellationToken);
            }
            catch (AmazonServiceException e)
            {
                throw ApiException.BadRequest($"export to {root}: the bucket refused the upload of {name}: {e.Message}");
            }
            catch (HttpRequestException e)
            {
                throw ApiException.BadRequest($"export to {root}: the bucket could not be reached: {e.Message}");
            }
            finally
            {
                File.Delete(temporaryFile);
            }
        }
    }
}
