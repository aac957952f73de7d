using Braid.Storage;

namespace Braid.Server.Tests.Infrastructure;

/// <summary>An empty database of the suite's store kind, with no server around it, deleted afterwards.</summary>
public sealed class ScratchStore : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "braid-scratch-" + Guid.NewGuid().ToString("N"));
    private string? _url;

    public Database Database { get; private set; } = null!;

    public static async Task<ScratchStore> CreateAsync()
    {
        var store = new ScratchStore();
        store._url = await TestStore.CreateDatabaseAsync();
        store.Database = Database.Open(store._directory, store._url);
        return store;
    }

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        await TestStore.DropDatabaseAsync(_url);
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
