namespace Braid.Server.Tests.Infrastructure;

/// <summary>
/// The system clock moved forward by however much a test advanced it: time-driven behaviour (bucket refills) without
/// sleeping, while timestamps the store writes keep moving forward as they would.
/// </summary>
public sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));
}
