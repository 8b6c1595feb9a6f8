using Vigil.Server.Configuration;
using Vigil.Server.Hosting;

namespace Vigil.Server.Tests.Verification;

public sealed class VerificationOptionsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "vigil-verification-config-" + Guid.NewGuid().ToString("N"));

    public VerificationOptionsTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Load_VerificationSection_BindsSettingsAndWebhooks_ReadingSecretFiles()
    {
        var secretFile = Write("secret.txt", "from-a-file\n");
        var file = Write("vigil.yaml", $"""
            verification:
              tickInterval: 500ms
              evaluationDelay: 15s
              webhooks:
                - name: rollback
                  url: https://deploy.example/hooks/rollback
                  on: [fail, marginal]
                  secretFile: {secretFile}
                - name: chat
                  url: http://chat.example/in
                  on: pass, fail
                  secret: inline-secret
            """);

        var options = VigilConfiguration.Load(new ServeArguments(ConfigFile: file), environment: new Dictionary<string, string>(), out var errors).Verification;

        Assert.Empty(errors);
        Assert.Equal((TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(15)), (options.TickInterval, options.EvaluationDelay));
        Assert.Equal(["rollback", "chat"], options.Webhooks.Items.Select(w => w.Name));
        Assert.Equal(["fail", "marginal"], options.Webhooks.Items[0].On);
        Assert.Equal("from-a-file", options.Webhooks.Items[0].ResolvedSecret);
        Assert.True(options.Webhooks.Items[1].Wants("Pass"));
        Assert.False(options.Webhooks.Items[0].Wants("inconclusive"));
    }

    [Fact]
    public void Load_BadWebhooks_ReportsEveryProblemAtOnce_WithoutEchoingSecrets()
    {
        var file = Write("vigil.yaml", """
            verification:
              tickInterval: 0s
              webhooks:
                - name: a
                  url: ftp://nowhere
                  on: [fail, sometimes]
                  secret: hunter2-top-secret
                  secretFile: /nope
                - url: http://ok.example
                  colour: blue
                  secret: another-secret-value
                - name: a
                  url: http://ok.example
            """);

        VigilConfiguration.Load(new ServeArguments(ConfigFile: file), environment: new Dictionary<string, string>(), out var errors);

        Assert.Contains("verification.tickInterval: must be a positive duration", errors);
        Assert.Contains("verification.webhooks[0].url: must be an absolute http:// or https:// URL", errors);
        Assert.Contains(errors, e => e.StartsWith("verification.webhooks[0].on: 'sometimes' is not a verdict", StringComparison.Ordinal));
        Assert.Contains("verification.webhooks[0]: set exactly one of secret and secretFile (deliveries are signed)", errors);
        Assert.Contains(errors, e => e.StartsWith("verification.webhooks[1].colour: unknown setting", StringComparison.Ordinal));
        Assert.Contains("verification.webhooks[1].name: required", errors);
        Assert.Contains("verification.webhooks[2].name: 'a' is used by an earlier webhook", errors);
        Assert.Contains("verification.webhooks[2]: set exactly one of secret and secretFile (deliveries are signed)", errors);
        Assert.Equal(8, errors.Count);
        Assert.DoesNotContain(errors, e => e.Contains("hunter2", StringComparison.Ordinal) || e.Contains("another-secret", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_WebhookFromEnvironmentVariables_Binds()
    {
        var environment = new Dictionary<string, string>
        {
            ["VIGIL__VERIFICATION__WEBHOOKS__0__NAME"] = "page",
            ["VIGIL__VERIFICATION__WEBHOOKS__0__URL"] = "https://pager.example/v1",
            ["VIGIL__VERIFICATION__WEBHOOKS__0__ON"] = "fail,inconclusive",
            ["VIGIL__VERIFICATION__WEBHOOKS__0__SECRET"] = "env-secret",
        };

        var options = VigilConfiguration.Load(new ServeArguments(ConfigFile: Write("vigil.yaml", "")), environment, out var errors).Verification;

        Assert.Empty(errors);
        var webhook = Assert.Single(options.Webhooks.Items);
        Assert.Equal(("page", "https://pager.example/v1", "env-secret"), (webhook.Name, webhook.Url, webhook.ResolvedSecret));
        Assert.Equal(["fail", "inconclusive"], webhook.On);
    }
}
