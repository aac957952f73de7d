using System.Security.Cryptography;
using System.Text;
using Braid.Server.Tests.Infrastructure;
using Braid.Storage.Migrations;
using Dapper;

namespace Braid.Server.Tests.Storage;

public sealed class MigrationsTests
{
    /// <summary>
    /// Released migrations are a persisted format: editing one would leave existing databases on a schema no
    /// fresh install has. Add a new numbered file instead, and append its hash here.
    /// </summary>
    private static readonly string[] Released =
    [
        "sqlite 0001_foundation 513df49301395cdce1068b457698a46207391c6bf4a52230ad9db934a8a4a360",
        "postgres 0001_foundation 249c702e32e75f4efb776f4505f2125bc08782d1d5990c277ad0da5a0f715e7d",
        "sqlite 0002_events 26bfca5b9511c0f536e152edf6426ae8e86016ef6769b38bfc088a57adfd9a29",
        "postgres 0002_events 442ad1ca106a557df0161ccbb4234baa0ef13e1f0af08ec9d73c4c37faa9da51",
        "sqlite 0003_attachments bd49eb057d9cac1952169e1b2f5ba66474a70bc1f2c8902dd08e757277260aef",
        "postgres 0003_attachments ea9186983eb6e8465cc35dfffe71043acf33ba47e8b73ec2309dcfc5ec5428a5",
        "sqlite 0004_query 85920ee8fd6d21c29ef19feb041772c659ddb686d931ed7195aff7db8da1fe3c",
        "postgres 0004_query 6ea34022d9099ca4c11221c2495ac135b81eb81f861f4be9aa2e98d1044c9463",
        "sqlite 0005_query_functions 3a6cfa9c8492a28102b9e8a9ff854a26206c06fadb1711c471b3f54896412364",
        "postgres 0005_query_functions aa8537fced02fe0f167351a02fa1ce08d2bfad7553f5949c1235c73ffb9ec40a",
        "sqlite 0006_code_point_ids 141c3dcb1f8963b810674eb498faf89c3b5569809f304d9663b51acbde7d1664",
        "postgres 0006_code_point_ids 2d773e6e5935df1d8ef64e50bb481b2b30628964dc6332c5ecf3701c0c0d6694",
        "sqlite 0007_planner_statistics 169108197a801b8eaf929aeb92ed6b70e0e64df0da12c8a7bfb73a320d1adcae",
        "postgres 0007_planner_statistics 901f6ca0b6e811c40662b820d536307fa6fd50eaed02ed0763ca3731502b86c8",
        "sqlite 0008_object_versions 3dfbcb4efee163aa2f699d6f7d6348fa0689bee6397722454e8557f07a7d8771",
        "postgres 0008_object_versions ea60fe936abdedee30eee94d65fe666a34655809b07c8e298ac6ee4f9ab195e6",
        "sqlite 0009_org_settings_service_accounts c12b2f5147259410d36fd713065a78fca491cb98986d569852be92006c2f5372",
        "postgres 0009_org_settings_service_accounts e1a79325c9066818a997439da760440452bdae6792050036ec5bd9af2a36b849",
        "sqlite 0010_parallel_unsafe_functions e2302c1b0d4e8d882c1fca92d2312248beafc1d7e0bd314ebd500b9957f9aadb",
        "postgres 0010_parallel_unsafe_functions d8271687fa8633d86bf8dde872e54485bc11ffde225a04b35fa9d27de9b535a0",
        "sqlite 0011_object_statistics e35edd0e8e436eddeae42f6eae20863fb78fa9e73af291ac6fc5abea817c01b4",
        "postgres 0011_object_statistics 3d6a63dbbe88006ede2c0d0a0af82b7f223c14cbc8955184bbb04984463363cc",
        "sqlite 0012_rate_limits 12ed3abc2ebf9342d985ffd314cb63e0da703a90480328f0b3acd6fdfe4417c7",
        "postgres 0012_rate_limits 5ac6a2c51a99f156115dac9d2e3feab8ab71d9920bc64adcb0e422dc6a3e5d88",
        "sqlite 0013_timestamp_check 4a9b09327acddb9699c78924a565e188777d9d3914da2e1bcfd8accfb4495c18",
        "postgres 0013_timestamp_check 9895c4d3c7b1990f2d55b0c6f67251f1cd5f4b904520369e82555d75b4be8b9f",
        "sqlite 0014_access_control b4cb0c168e044e6c225b46affe5e9185bed86d46fc4ceace2566277e7c7ee9f6",
        "postgres 0014_access_control 75e01363865600a84f7d3a74af5d2db0440288191a8dac347e48ee19927db711",
        "sqlite 0015_online_scoring 955f14e52559a5d860f6a813bd4f9838334eb170ff89bd56c6052650fb286aca",
        "postgres 0015_online_scoring b6bed69e96ad40427fec521048da31aab6949f600a02b21b1e989f5c0616e5cc",
        "sqlite 0016_automations c58ea74b13d35a38ae1f3489daa2eecd36e638baf0651318a3673a8705ccb563",
        "postgres 0016_automations 9cd04e7dd5db8342d44e7cc131820955a61c9ce20fe5a33e1a9b0f38960d5a0c",
        "sqlite 0017_provider_key_generation 8b3e484a9ea22e535aaec7023927fe765eb788ab53e74e7e3e49892312c6b19f",
        "postgres 0017_provider_key_generation cfbdeecd603c600cc671080a6a6589825e331cd43716bf6bbb5efb6e1933b93d",
        "sqlite 0018_log_rollups 1acd2e7ec7f795da0cb316bdc5ac8225cce04b82fbe9ff041342db09225ae1c0",
        "postgres 0018_log_rollups 4dc0a4ed4d11ec140969c44e6ff88a74d76d1cc34006b5a4845c5e38f126dafb",
        "sqlite 0019_trace_summaries a2e12e464008c69be1b090c73df1bee31169cad15676ed06f6092b7c3c425144",
        "postgres 0019_trace_summaries 441e22b465f4f2c36e5fe697ba18e89ab9b35fea17a265ae02e5c3df723c6361",
        "sqlite 0020_history_by_xact 2fbb5998031379fb41badb01c3a2addb6294faed5e0dc458cc9ac1f8813cf52d",
        "postgres 0020_history_by_xact 6c1212376a0fc6a9fbec97797de4f51af24e5ed5376e93e649fc6427df8ae2d4",
    ];

    [Fact]
    public void ReleasedMigrations_AreNeverEdited()
    {
        var actual = new[] { "sqlite", "postgres" }
            .SelectMany(d => Migrator.For(d).Select(m => $"{d} {m.Name} {Hash(m.Sql)}"))
            .ToList();
        foreach (var released in Released)
        {
            Assert.Contains(released, actual);
        }
    }

    [Fact]
    public void BothStores_HaveTheSameContiguousVersions()
    {
        var sqlite = Migrator.For("sqlite").Select(m => m.Name).ToList();
        var postgres = Migrator.For("postgres").Select(m => m.Name).ToList();
        Assert.NotEmpty(sqlite);
        Assert.Equal(sqlite, postgres);
        Assert.Equal(Enumerable.Range(1, sqlite.Count), Migrator.For("sqlite").Select(m => m.Version));
    }

    [Fact]
    public async Task Migrate_OnAnEmptyStore_AppliesAll_AndIsANoOpTheSecondTime()
    {
        await using var store = await ScratchStore.CreateAsync();
        var latest = Migrator.For(store.Database.Dialect.Name)[^1].Version;

        Assert.Equal(latest, await store.Database.MigrateAsync());
        Assert.Equal(latest, await store.Database.MigrateAsync());
        await using var connection = await store.Database.OpenAsync();
        Assert.Equal(latest, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM braid_migrations"));
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM objects"));
    }

    [Fact]
    public async Task Migrate_RefusesASchemaNewerThanThisBuild()
    {
        await using var store = await ScratchStore.CreateAsync();
        await store.Database.MigrateAsync();
        await using (var connection = await store.Database.OpenAsync())
        {
            await connection.ExecuteAsync("INSERT INTO braid_migrations (version, name, applied_at) VALUES (9999, '9999_future', 'now')");
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.Database.MigrateAsync());
        Assert.Contains("9999", error.Message, StringComparison.Ordinal);
    }

    private static string Hash(string sql) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))));
}
