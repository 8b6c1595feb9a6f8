using Vigil.Core.Drift;
using Vigil.Core.Drift.Secrets;
using Vigil.Core.Drift.Sources;

namespace Vigil.Core.Tests.Drift.Sources;

public sealed class EnvironmentSourceTests
{
    [Fact]
    public async Task Collect_RecordsVariables_SkipsShellNoise_ReducesSecrets()
    {
        var variables = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = "http://+:8080",
            ["PWD"] = "/home/ana",
            ["SHLVL"] = "2",
            ["_"] = "/usr/bin/vigil",
            ["TERM"] = "xterm",
            ["SSH_CONNECTION"] = "10.0.0.1 5000 10.0.0.2 22",
            ["HOSTNAME"] = "prod-7f9c",
            ["VIGIL_DRIFT_KEY"] = "00112233445566778899aabbccddeeff",
            ["DB_PASSWORD"] = "pl4nted-secret",
            ["EMPTY_TOKEN"] = "",
        };
        using var tree = new PlantedTree();
        var redactor = new SecretRedactor(Convert.FromHexString("00112233445566778899aabbccddeeff"));

        var items = await Collect.RunAsync(new EnvironmentSource(), tree.Context(variables: variables, secrets: redactor));

        Assert.Equal(["ASPNETCORE_URLS", "DB_PASSWORD", "EMPTY_TOKEN"], items.Select(i => i.Key));
        Assert.Equal("http://+:8080", Collect.Value(items, "ASPNETCORE_URLS"));
        var secret = Collect.Single(items, "DB_PASSWORD");
        Assert.Null(secret.Value);
        Assert.Equal(redactor.Fingerprint("pl4nted-secret"), secret.Secret);
        Assert.Equal("", Collect.Value(items, "EMPTY_TOKEN"));
        Assert.All(items, i => Assert.Equal((DriftCategories.Environment, DriftItemKinds.Variable), (i.Category, i.Kind)));
    }
}
