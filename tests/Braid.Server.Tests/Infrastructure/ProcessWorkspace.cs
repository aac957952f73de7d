namespace Braid.Server.Tests.Infrastructure;

/// <summary>An empty working directory and a fresh store of the suite's kind, for tests that run the real executable.</summary>
public sealed class ProcessWorkspace : IAsyncLifetime
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "braid-process-" + Guid.NewGuid().ToString("N"));

    public string? DatabaseUrl { get; private set; }

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        DatabaseUrl = await TestStore.CreateDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        await TestStore.DropDatabaseAsync(DatabaseUrl);
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    public Task<ServerProcess> StartAsync(int? port = null, params string[] extraArgs) =>
        ServerProcess.StartAsync(Directory, DatabaseUrl, port, extraArgs);

    public string InitialKey => ServerProcess.InitialKey(Directory);
}
