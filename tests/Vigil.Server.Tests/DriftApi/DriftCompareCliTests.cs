using System.Text.Json;
using Vigil.Client.Contracts;
using Vigil.Server.Tests.Integration;

namespace Vigil.Server.Tests.DriftApi;

/// <summary>The built <c>vigil drift compare</c> against a real server and on files: output formats and the exit codes CI gates on.</summary>
public sealed class DriftCompareCliTests(DriftServerFixture fixture) : IClassFixture<DriftServerFixture>
{
    private readonly VigilServerProcess _vigil = fixture.Vigil;

    private async Task SeedAsync(string prefix)
    {
        using var client = _vigil.CreateClient();
        var t = TimeProvider.System.GetUtcNow().AddMinutes(-5);
        // uat → prod: an empty truststore (high); uat → stage: only a replica count (low).
        await DriftApiTests.UploadAsync(client, DriftApiTests.Snapshot($"{prefix}-uat", t, "orders",
            new SnapshotItemDto("runtime", "crypto", "java.cacerts.entries", "140", "/usr/lib/jvm/java-17/lib/security/cacerts"),
            new SnapshotItemDto("resource", "replicas", "deployment/orders", "2", "k8s.yaml")));
        await DriftApiTests.UploadAsync(client, DriftApiTests.Snapshot($"{prefix}-prod", t, "orders",
            new SnapshotItemDto("runtime", "crypto", "java.cacerts.entries", "0", "/usr/lib/jvm/java-17/lib/security/cacerts"),
            new SnapshotItemDto("resource", "replicas", "deployment/orders", "2", "k8s.yaml")));
        await DriftApiTests.UploadAsync(client, DriftApiTests.Snapshot($"{prefix}-stage", t, "orders",
            new SnapshotItemDto("runtime", "crypto", "java.cacerts.entries", "140", "/usr/lib/jvm/java-17/lib/security/cacerts"),
            new SnapshotItemDto("resource", "replicas", "deployment/orders", "6", "k8s.yaml")));
    }

    [Fact]
    public async Task Compare_FailOn_ExitsOneOnlyWhenDriftOfThatRiskExists()
    {
        await SeedAsync("gate");
        var server = _vigil.HttpAddress.ToString();

        var high = await VigilServerProcess.RunCliAsync("drift", "compare", "gate-uat", "gate-prod", "--service", "orders", "--fail-on", "high", "--server", server);
        var lowOnlyHigh = await VigilServerProcess.RunCliAsync("drift", "compare", "gate-uat", "gate-stage", "--service", "orders", "--fail-on", "high", "--server", server);
        var lowOnlyMedium = await VigilServerProcess.RunCliAsync("drift", "compare", "gate-uat", "gate-stage", "--service", "orders", "--fail-on", "medium", "--server", server);
        var highMedium = await VigilServerProcess.RunCliAsync("drift", "compare", "gate-uat", "gate-prod", "--service", "orders", "--fail-on", "medium", "--server", server);
        var noGate = await VigilServerProcess.RunCliAsync("drift", "compare", "gate-uat", "gate-prod", "--service", "orders", "--server", server);

        Assert.Equal(1, high.ExitCode);
        Assert.Contains("Gate-prod's Java truststore (cacerts) has 0 entries where gate-uat has 140", high.Output, StringComparison.Ordinal);
        Assert.Contains("runtime (1 high, 0 medium, 0 low)", high.Output, StringComparison.Ordinal);
        Assert.Equal(0, lowOnlyHigh.ExitCode);
        Assert.Contains("0 high, 0 medium, 1 low", lowOnlyHigh.Output, StringComparison.Ordinal);
        Assert.Equal(0, lowOnlyMedium.ExitCode);
        Assert.Equal(1, highMedium.ExitCode);
        Assert.Equal(0, noGate.ExitCode);
    }

    [Fact]
    public async Task Compare_JsonAndMarkdown_PrintTheReport()
    {
        await SeedAsync("fmt");
        var server = _vigil.HttpAddress.ToString();

        var json = await VigilServerProcess.RunCliAsync("drift", "compare", "fmt-uat", "fmt-prod", "--service", "orders", "-o", "json", "--server", server);
        var markdown = await VigilServerProcess.RunCliAsync("drift", "compare", "fmt-uat", "fmt-prod", "--service", "orders", "--output", "markdown", "--server", server);

        Assert.Equal(0, json.ExitCode);
        var report = JsonSerializer.Deserialize<DriftReportDto>(json.Output, TelemetryApi.Json)!;
        Assert.Equal(("changed", "high", "java.cacerts.entries"), (Assert.Single(report.Items).Change, report.Items[0].Risk, report.Items[0].Key));
        Assert.Equal(0, markdown.ExitCode);
        Assert.StartsWith("### Drift: fmt-uat → fmt-prod", markdown.Output, StringComparison.Ordinal);
        Assert.Contains("| **high** | changed | runtime | `java.cacerts.entries` | `140` | `0` |", markdown.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compare_ErrorsMapToExitCodes()
    {
        var server = _vigil.HttpAddress.ToString();

        var unknown = await VigilServerProcess.RunCliAsync("drift", "compare", "no-such-env", "prod", "--server", server);
        var badTime = await VigilServerProcess.RunCliAsync("drift", "compare", "prod@yesterday", "prod", "--server", server);
        var badFormat = await VigilServerProcess.RunCliAsync("drift", "compare", "uat", "prod", "--output", "yaml", "--server", server);
        var oneSide = await VigilServerProcess.RunCliAsync("drift", "compare", "uat", "--server", server);
        var unreachable = await VigilServerProcess.RunCliAsync("drift", "compare", "uat", "prod", "--server", "http://127.0.0.1:1");

        Assert.Equal(5, unknown.ExitCode);
        Assert.Contains("no snapshot of no-such-env", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(3, badTime.ExitCode);
        Assert.Contains("'yesterday' after '@' is not a date", badTime.Error, StringComparison.Ordinal);
        Assert.Equal(3, badFormat.ExitCode);
        Assert.Equal(3, oneSide.ExitCode);
        Assert.Equal(4, unreachable.ExitCode);
    }

    [Fact]
    public async Task Compare_Files_ComparesOfflineWithPolicies()
    {
        var dir = Path.Combine(Path.GetTempPath(), "vigil-drift-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var t = TimeProvider.System.GetUtcNow().AddMinutes(-5);
            var left = DriftApiTests.Snapshot("uat", t, null,
                new SnapshotItemDto("resource", "replicas", "deployment/orders", "2", "k8s.yaml"),
                new SnapshotItemDto("migration", "migration", "flyway:7", "7 add total", "$DB"));
            var right = DriftApiTests.Snapshot("prod", t, null,
                new SnapshotItemDto("resource", "replicas", "deployment/orders", "6", "k8s.yaml"));
            await File.WriteAllTextAsync(Path.Combine(dir, "uat.json"), JsonSerializer.Serialize(left, TelemetryApi.Json));
            await File.WriteAllTextAsync(Path.Combine(dir, "prod.json"), JsonSerializer.Serialize(right, TelemetryApi.Json));
            await File.WriteAllTextAsync(Path.Combine(dir, "policy.yaml"), """
                apiVersion: vigil/v1
                kind: DriftPolicy
                metadata:
                  name: replicas
                spec:
                  ignore:
                    - category: resource
                      kind: replicas
                      reason: prod runs more replicas
                """);
            await File.WriteAllTextAsync(Path.Combine(dir, "bad.yaml"), "apiVersion: vigil/v1\nkind: DriftPolicy\nmetadata:\n  name: bad\nspec:\n  ignore:\n    - kind: replica\n      reason: typo\n");
            await File.WriteAllTextAsync(Path.Combine(dir, "broken.json"), "{\"environment\": \"uat\", \"items\": [");

            var gated = await VigilServerProcess.RunCliAsync("drift", "compare", "--left-file", Path.Combine(dir, "uat.json"), "--right-file", Path.Combine(dir, "prod.json"),
                "--policy", Path.Combine(dir, "policy.yaml"), "--fail-on", "high");
            var badPolicy = await VigilServerProcess.RunCliAsync("drift", "compare", "--left-file", Path.Combine(dir, "uat.json"), "--right-file", Path.Combine(dir, "prod.json"),
                "--policy", Path.Combine(dir, "bad.yaml"));
            var broken = await VigilServerProcess.RunCliAsync("drift", "compare", "--left-file", Path.Combine(dir, "broken.json"), "--right-file", Path.Combine(dir, "prod.json"));

            Assert.Equal(1, gated.ExitCode);
            Assert.Contains("flyway:7", gated.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("deployment/orders", gated.Output, StringComparison.Ordinal);
            Assert.Contains("1 expected difference(s) ignored by policy", gated.Output, StringComparison.Ordinal);
            Assert.Equal(3, badPolicy.ExitCode);
            Assert.Contains("bad.yaml:7:13: spec.ignore[0].kind: unknown kind 'replica'", badPolicy.Error, StringComparison.Ordinal);
            Assert.Equal(3, broken.ExitCode);
            Assert.Contains("broken.json: not a snapshot", broken.Error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
