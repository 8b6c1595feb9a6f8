using Vigil.Server.Configuration;
using Vigil.Server.Hosting;

namespace Vigil.Server.Tests.Configuration;

public sealed class VigilConfigurationTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "vigil-config-" + Guid.NewGuid().ToString("N"));

    public VigilConfigurationTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Load_FileWithSeveralErrors_ReportsThemAllTogether()
    {
        var file = Write("""
            server:
              listen: "nowhere"
              shutdownTimeout: 5x
              colour: blue
            security:
              requireApiKeys: maybe
            bogus:
              a: 1
            """);

        VigilConfiguration.Load(new ServeArguments(ConfigFile: file), out var errors);

        Assert.Equal(5, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("server.listen:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("server.shutdownTimeout:", StringComparison.Ordinal) && e.Contains("unknown unit", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("server.colour: unknown setting", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("security.requireApiKeys:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("bogus: unknown section", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_YamlSyntaxError_ReportsFileLineAndColumn()
    {
        var file = Write("server:\n  listen: [unclosed\n");
        VigilConfiguration.Load(new ServeArguments(ConfigFile: file), out var errors);
        var error = Assert.Single(errors);
        Assert.StartsWith(file + ":", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FlagsOverrideFile()
    {
        var file = Write("server:\n  listen: 127.0.0.1:9000\n  dataDirectory: /tmp/from-file\nquery:\n  maxSeries: 7\n");
        var options = VigilConfiguration.Load(new ServeArguments(ConfigFile: file, Listen: "127.0.0.1:0"), out var errors);
        Assert.Empty(errors);
        Assert.Equal("127.0.0.1:0", options.Server.Listen);
        Assert.Equal("/tmp/from-file", options.Server.DataDirectory);
        Assert.Equal(7, options.Query.MaxSeries);
    }

    [Fact]
    public void Load_EnvironmentVariable_OverridesFileAndErrorsNameTheSettingInCamelCase()
    {
        var file = Write("storage:\n  retentionAge: 3d\n");
        var environment = new Dictionary<string, string>
        {
            ["VIGIL__STORAGE__MAXSERIES"] = "42",
            ["VIGIL__STORAGE__BLOCKDURATION"] = "banana",
            ["OTHER__STORAGE__MAXSERIES"] = "7",
        };

        var options = VigilConfiguration.Load(new ServeArguments(ConfigFile: file), environment, out var errors);

        Assert.Equal(42, options.Storage.MaxSeries);
        Assert.Equal(TimeSpan.FromDays(3), options.Storage.RetentionAge);
        Assert.Equal(TimeSpan.FromDays(3), options.Intake.MaxAge);
        Assert.StartsWith("storage.blockDuration: 'banana'", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NamedFileMissing_IsAnError()
    {
        VigilConfiguration.Load(new ServeArguments(ConfigFile: Path.Combine(_directory, "absent.yaml")), out var errors);
        Assert.Contains("not found", Assert.Single(errors), StringComparison.Ordinal);
    }

    private string Write(string yaml)
    {
        var path = Path.Combine(_directory, "vigil.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }
}
