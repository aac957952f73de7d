using Braid.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Braid.Server.Tests.Conformance;

/// <summary>
/// Every operation of the Braintrust spec, sent as a valid request built from its schemas: it must answer 200 with a
/// body that validates against its response schema. Only <see cref="ConformancePlan.Excluded"/> is skipped.
/// </summary>
public sealed class SpecConformanceTests(BraidApp app, ITestOutputHelper output) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task EveryOperation_AnswersAValidRequestWith200AndABodyTheSpecAccepts()
    {
        var tenant = await app.NewTenantAsync();
        await using var provider = await FakeProvider.StartAsync();
        (await tenant.PostAsync("/v1/ai_secret", new { name = "OPENAI_API_KEY", type = "openai", secret = "sk-conformance", metadata = new { api_base = provider.Url + "/v1" } }))
            .AssertOk();
        var results = await new ConformanceRun(app, tenant, SpecDocument.Shared).RunAsync();

        var failing = results.Where(r => !r.Passed).ToList();
        var report = new List<string>
        {
            $"conformance: {results.Count(r => r.Passed)} of {SpecDocument.Shared.Operations.Count} operations pass ({TestStore.Name})",
        };
        report.AddRange(failing.Select(r => "  failing: " + r));
        report.AddRange(ConformancePlan.Excluded.Order(StringComparer.Ordinal).Select(id => "  excluded: " + id));
        foreach (var line in report)
        {
            output.WriteLine(line);
            Console.WriteLine(line);
        }

        Assert.Equal(ConformancePlan.Ordered(SpecDocument.Shared).Select(o => o.OperationId), results.Select(r => r.Operation.OperationId));
        Assert.True(failing.Count == 0, $"{failing.Count} operations do not conform:\n{string.Join("\n", report)}");
    }

    [Fact]
    public void EveryOperationOfTheSpec_IsExercisedOrExplicitlyExcluded()
    {
        var spec = SpecDocument.Shared;
        var planned = ConformancePlan.Ordered(spec);

        // Each planned request reaches the operation it is planned for, as the contract's own router resolves paths.
        foreach (var operation in planned)
        {
            var path = string.Join('/', operation.Path.Split('/').Select(s => s.StartsWith('{') ? Guid.NewGuid().ToString() : s));
            Assert.Equal(operation.OperationId, OpenApiContract.Shared.FindOperationId(operation.Method, path));
        }

        var exercised = planned.Select(o => o.OperationId).ToList();
        Assert.Equal(exercised.Count, exercised.Distinct().Count());
        Assert.Empty(exercised.Intersect(ConformancePlan.Excluded));
        Assert.Equal(
            spec.Operations.Select(o => o.OperationId).Order(StringComparer.Ordinal),
            exercised.Concat(ConformancePlan.Excluded).Order(StringComparer.Ordinal));
        Assert.Equal(OpenApiContract.Shared.OperationCount, spec.Operations.Count);

        // Overrides name real operations, and never excluded ones.
        Assert.All(ConformancePlan.Overrides.Keys, id => Assert.Contains(id, exercised));
    }
}
