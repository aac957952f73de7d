using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Infrastructure;

/// <summary>A Braid server whose clock the tests move (expiries, sweeps), as a class fixture or part of one.</summary>
public sealed class ClockedApp : IAsyncLifetime
{
    public ShiftedClock Clock { get; } = new();

    public BraidApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = new BraidApp().WithServices(services => services.AddSingleton<TimeProvider>(Clock));
        await ((IAsyncLifetime)App).InitializeAsync();
    }

    public Task DisposeAsync() => ((IAsyncLifetime)App).DisposeAsync();
}
