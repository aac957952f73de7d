namespace Braid.Server;

/// <summary>
/// Every setting Braid has, bound from the "Braid" configuration section (appsettings.json, <c>Braid__X</c>
/// environment variables, or <c>--Braid:X=..</c>), plus the short forms <see cref="AddShortForms"/> maps.
/// The defaults run a working server with no configuration at all.
/// </summary>
public sealed class ServerOptions
{
    public const string Section = "Braid";

    /// <summary>Where the SQLite file, the initial key and (later) blobs live.</summary>
    public string DataDirectory { get; set; } = "braid-data";

    /// <summary>A PostgreSQL URL or Npgsql connection string; empty means the embedded SQLite store.</summary>
    public string? DatabaseUrl { get; set; }

    /// <summary>Request bodies above this many bytes get a 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Event rows above this many bytes (serialized) get a 413.</summary>
    public long MaxRowBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>A query (<c>/btql</c>, exports' pages) running longer than this is stopped with a 400.</summary>
    public double QueryTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// Seconds between background refreshes of the hourly rollups of logs that have been charted (LogRollups), so a
    /// chart's query finds them current; 0 turns the refresher off on this node (queries still refresh what they read).
    /// </summary>
    public double RollupRefreshSeconds { get; set; } = 10;

    /// <summary>Inline code functions (scorers, tools) are stopped after this many seconds (a 400 says so).</summary>
    public double CodeTimeoutSeconds { get; set; } = 30;

    /// <summary>Bytes one run of inline code may allocate before it is stopped.</summary>
    public long CodeMemoryBytes { get; set; } = 256L * 1024 * 1024;

    public IngestOptions Ingest { get; set; } = new();

    public OnlineScoringOptions OnlineScoring { get; set; } = new();

    public AutomationOptions Automations { get; set; } = new();

    public RateLimitOptions RateLimits { get; set; } = new();

    /// <summary>Where attachments and overflowing payloads are kept; empty means <c>{DataDirectory}/blobs</c>.</summary>
    public string? BlobDirectory { get; set; }

    /// <summary>Uploads through signed URLs above this many bytes get a 413.</summary>
    public long MaxBlobBytes { get; set; } = 1L << 30;

    /// <summary>
    /// The root secret (base64, 32+ bytes). Empty: generated into <c>{DataDirectory}/master-key</c>. Nodes sharing a
    /// PostgreSQL store must share it too.
    /// </summary>
    public string? MasterKey { get; set; }

    /// <summary>This server's address as clients reach it (e.g. behind a proxy), for the URLs it hands out; empty: the request's own.</summary>
    public string? PublicUrl { get; set; }

    /// <summary>The organization and owner created on first start with an empty store.</summary>
    public string BootstrapOrganization { get; set; } = "braid";

    public string BootstrapUserEmail { get; set; } = "admin@localhost";

    /// <summary>
    /// Maps the documented short forms onto the section: <c>BRAID_DATABASE_URL</c> and <c>BRAID_DATA_DIR</c>
    /// from the environment, <c>--database-url</c> and <c>--data-dir</c> from the command line (which wins).
    /// </summary>
    public static void AddShortForms(IConfigurationBuilder configuration, string[] args)
    {
        var environment = new Dictionary<string, string?>();
        AddIfSet(environment, "BRAID_DATABASE_URL", $"{Section}:{nameof(DatabaseUrl)}");
        AddIfSet(environment, "BRAID_DATA_DIR", $"{Section}:{nameof(DataDirectory)}");
        configuration.AddInMemoryCollection(environment);
        configuration.AddCommandLine(args, new Dictionary<string, string>
        {
            ["--database-url"] = $"{Section}:{nameof(DatabaseUrl)}",
            ["--data-dir"] = $"{Section}:{nameof(DataDirectory)}",
        });
    }

    private static void AddIfSet(Dictionary<string, string?> values, string variable, string key)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrEmpty(value))
        {
            values[key] = value;
        }
    }
}

/// <summary>The background pass that runs online scoring rules over new log rows.</summary>
public sealed class OnlineScoringOptions
{
    /// <summary>Seconds between passes; 0 turns online scoring off on this node (another node may still run it).</summary>
    public double IntervalSeconds { get; set; } = 2;
}

/// <summary>The scheduler that runs project automations (alerts, exports, retention, async queries).</summary>
public sealed class AutomationOptions
{
    /// <summary>Seconds between the scheduler's looks for due automations; 0 turns the scheduler off on this node.</summary>
    public double TickSeconds { get; set; } = 5;

    /// <summary>
    /// How long a node holds an automation it runs before another node may take it over; renewed while the run is
    /// alive, so it bounds how long a crashed node's work waits, not how long a run may take.
    /// </summary>
    public double LeaseSeconds { get; set; } = 60;

    /// <summary>Seconds between evaluations of log and environment alerts (each fires at most once per its own interval).</summary>
    public double AlertCheckSeconds { get; set; } = 30;

    /// <summary>Seconds between retention passes of a retention automation.</summary>
    public double RetentionCheckSeconds { get; set; } = 3600;

    /// <summary>
    /// The only local directory exports and async query results may be written under (<c>file://</c> paths); empty
    /// means <c>{DataDirectory}/exports</c>. Keeps an automation from writing wherever the server may.
    /// </summary>
    public string? ExportDirectory { get; set; }

    /// <summary>An S3-compatible endpoint (MinIO, ...) for <c>s3://</c> export paths; empty: AWS itself.</summary>
    public string? S3ServiceUrl { get; set; }

    /// <summary>The region S3 requests are signed for (e.g. us-east-1); empty: the AWS SDK's default.</summary>
    public string? S3Region { get; set; }

    /// <summary>S3 access key id; empty: the AWS SDK's credential chain (environment, profile, instance role).</summary>
    public string? S3AccessKeyId { get; set; }

    /// <summary>The secret for <see cref="S3AccessKeyId"/>.</summary>
    public string? S3SecretAccessKey { get; set; }

    /// <summary>Slack's Web API base; Slack alerts post to <c>{this}/chat.postMessage</c>.</summary>
    public string SlackApiUrl { get; set; } = "https://slack.com/api";

    /// <summary>How long one attempt to deliver an alert (webhook or Slack) may take before it counts as failed.</summary>
    public double DeliveryTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// The wait before the first retry of an alert that could not be delivered (a network error, a timeout, 429 or
    /// 5xx); it doubles with each further attempt.
    /// </summary>
    public double DeliveryRetrySeconds { get; set; } = 1;
}

/// <summary>The bounded ingest queue in front of the event store's group commit.</summary>
public sealed class IngestOptions
{
    /// <summary>Write requests waiting to commit; past this a request gets 503 with Retry-After.</summary>
    public int QueueCapacity { get; set; } = 4096;

    /// <summary>Bytes of write requests waiting to commit; past this a request gets 503 with Retry-After.</summary>
    public long MaxQueuedBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Requests committed together in one transaction at most.</summary>
    public int MaxBatchJobs { get; set; } = 256;
}

/// <summary>
/// Requests per minute each organization may make in each endpoint class (<see cref="RateLimits.EndpointClass"/>); 0
/// turns a class's limit off. A bucket holds a minute's worth, so a client may also spend it in one burst. The
/// defaults are far above what the SDKs send (they batch their writes), so only a runaway client meets them.
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>Event inserts and feedback, <c>/logs3</c>, OTLP traces.</summary>
    public int IngestPerMinute { get; set; } = 60_000;

    /// <summary><c>/btql</c> and the fetch endpoints.</summary>
    public int QueryPerMinute { get; set; } = 6_000;

    /// <summary>Every other authenticated endpoint.</summary>
    public int ControlPlanePerMinute { get; set; } = 30_000;

    /// <summary>The AI proxy (<c>/v1/proxy</c>), by API key or temporary credential.</summary>
    public int ProxyPerMinute { get; set; } = 6_000;
}
