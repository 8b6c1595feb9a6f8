using Microsoft.Extensions.Configuration;
using Vigil.Server.Configuration;

namespace Vigil.Server.Verification;

/// <summary>
/// Verification runs and verdict webhooks (section <c>verification</c> of vigil.yaml). Webhook secrets are never
/// logged, shown in errors or returned by the API.
/// </summary>
public sealed class VerificationOptions
{
    /// <summary>
    /// Whether every new (pending) release is verified on its own, with the plan that applies to its service. Default
    /// true; when false, only <c>vigil release verify</c> (or <c>POST /api/v1/releases/verify</c>) starts a run and
    /// releases stay pending until then.
    /// </summary>
    public bool AutoStart { get; set; } = true;

    /// <summary>How often the loop looks for new releases and due looks. Default 1s: a look is made within a second of being due.</summary>
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long after an interval ends its look is made, so the interval's last span-metric flush has landed.
    /// Default 2s; raise it to <c>spanMetrics.flushInterval</c> (15s by default) to judge every request of an interval.
    /// </summary>
    public TimeSpan EvaluationDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The most looks (and run starts) one tick makes, so a backlog after a restart cannot stall the loop. Default 20.</summary>
    public int MaxLooksPerTick { get; set; } = 20;

    /// <summary>The most attempts of one webhook delivery (network errors, 5xx, 429 are retried). Default 6.</summary>
    public int WebhookMaxAttempts { get; set; } = 6;

    /// <summary>The delay before the first retry, doubled on each (with ±20% jitter). Default 1s.</summary>
    public TimeSpan WebhookInitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between retries (a <c>Retry-After</c> is honoured up to it). Default 1m.</summary>
    public TimeSpan WebhookMaxBackoff { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long one delivery attempt may take. Default 10s.</summary>
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most deliveries waiting; when full, new ones are given up at once (and recorded). Default 1,000.</summary>
    public int WebhookQueueSize { get; set; } = 1_000;

    /// <summary>The webhooks called on a verdict.</summary>
    public WebhookList Webhooks { get; } = new();

    /// <summary>Checks the section, one message per problem, never echoing a secret.</summary>
    public void Validate(List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        VigilOptions.Positive("verification.tickInterval", TickInterval, errors);
        if (EvaluationDelay < TimeSpan.Zero)
        {
            errors.Add("verification.evaluationDelay: must not be negative");
        }

        VigilOptions.Positive("verification.maxLooksPerTick", MaxLooksPerTick, errors);
        VigilOptions.Positive("verification.webhookMaxAttempts", WebhookMaxAttempts, errors);
        VigilOptions.Positive("verification.webhookInitialBackoff", WebhookInitialBackoff, errors);
        VigilOptions.Positive("verification.webhookMaxBackoff", WebhookMaxBackoff, errors);
        VigilOptions.Positive("verification.webhookTimeout", WebhookTimeout, errors);
        VigilOptions.Positive("verification.webhookQueueSize", WebhookQueueSize, errors);
        Webhooks.Validate(errors);
    }
}

/// <summary>One webhook: where to POST, on which verdicts, and the secret its HMAC-SHA256 signature uses.</summary>
public sealed class WebhookOptions
{
    /// <summary>The verdict names <see cref="On"/> accepts.</summary>
    public static IReadOnlyList<string> VerdictNames { get; } = ["pass", "marginal", "fail", "inconclusive"];

    /// <summary>A unique name, shown on the release timeline (the URL is not: it may hold a token).</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The <c>http</c> or <c>https</c> URL to POST to.</summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>The verdicts that call it (<c>pass</c>, <c>marginal</c>, <c>fail</c>, <c>inconclusive</c>). Default: <c>[fail]</c>.</summary>
    public List<string> On { get; } = [];

    /// <summary>The signing secret; prefer <see cref="SecretFile"/>.</summary>
    public string? Secret { get; set; }

    /// <summary>A file whose content (trimmed) is the signing secret, read at start.</summary>
    public string? SecretFile { get; set; }

    /// <summary>True when a verdict of this name (any case) calls the webhook.</summary>
    public bool Wants(string verdict) =>
        (On.Count == 0 ? ["fail"] : On).Contains(verdict, StringComparer.OrdinalIgnoreCase);

    /// <summary>The secret: <see cref="Secret"/>, or the trimmed content of <see cref="SecretFile"/> (read by <see cref="WebhookList.Validate"/>).</summary>
    internal string ResolvedSecret { get; set; } = string.Empty;
}

/// <summary>
/// The <c>verification.webhooks</c> list. Bound by hand (the generic binder knows only scalars and nested sections):
/// each entry's keys are <c>name</c>, <c>url</c>, <c>on</c> (a list, or one comma-separated value), <c>secret</c>,
/// <c>secretFile</c>.
/// </summary>
public sealed class WebhookList : IConfigurationBindable
{
    private static readonly string[] Keys = ["name", "on", "secret", "secretFile", "url"];

    /// <summary>The webhooks, in file order.</summary>
    public List<WebhookOptions> Items { get; } = [];

    /// <inheritdoc />
    public void Bind(IConfigurationSection section, string path, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(errors);
        if (section.Value is { Length: > 0 })
        {
            errors.Add($"{path}: expected a list of webhooks, found a single value");
            return;
        }

        foreach (var entry in section.GetChildren().OrderBy(c => int.TryParse(c.Key, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue))
        {
            var entryPath = $"{path}[{entry.Key}]";
            var webhook = new WebhookOptions();
            foreach (var child in entry.GetChildren())
            {
                switch (child.Key.ToLowerInvariant())
                {
                    case "name": webhook.Name = child.Value?.Trim() ?? string.Empty; break;
                    case "url": webhook.Url = child.Value?.Trim() ?? string.Empty; break;
                    case "secret": webhook.Secret = child.Value; break;
                    case "secretfile": webhook.SecretFile = child.Value?.Trim(); break;
                    case "on":
                        var values = child.Value is { } single
                            ? single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                            : child.GetChildren().Select(c => c.Value?.Trim() ?? string.Empty);
                        webhook.On.AddRange(values);
                        break;
                    default:
                        errors.Add($"{entryPath}.{child.Key}: unknown setting (known: {string.Join(", ", Keys)})");
                        break;
                }
            }

            Items.Add(webhook);
        }
    }

    /// <summary>Checks every webhook and reads secret files; messages name the webhook's position, never its secret.</summary>
    public void Validate(List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Items.Count; i++)
        {
            var webhook = Items[i];
            var path = $"verification.webhooks[{i}]";
            if (string.IsNullOrWhiteSpace(webhook.Name))
            {
                errors.Add($"{path}.name: required");
            }
            else if (!names.Add(webhook.Name))
            {
                errors.Add($"{path}.name: '{webhook.Name}' is used by an earlier webhook");
            }

            if (!Uri.TryCreate(webhook.Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"{path}.url: must be an absolute http:// or https:// URL");
            }

            foreach (var verdict in webhook.On.Where(v => !WebhookOptions.VerdictNames.Contains(v, StringComparer.OrdinalIgnoreCase)))
            {
                errors.Add($"{path}.on: '{verdict}' is not a verdict ({string.Join(", ", WebhookOptions.VerdictNames)})");
            }

            var hasSecret = !string.IsNullOrEmpty(webhook.Secret);
            var hasFile = !string.IsNullOrEmpty(webhook.SecretFile);
            if (hasSecret == hasFile)
            {
                errors.Add($"{path}: set exactly one of secret and secretFile (deliveries are signed)");
            }
            else if (hasSecret)
            {
                webhook.ResolvedSecret = webhook.Secret!;
            }
            else
            {
                try
                {
                    webhook.ResolvedSecret = File.ReadAllText(webhook.SecretFile!).Trim();
                    if (webhook.ResolvedSecret.Length == 0)
                    {
                        errors.Add($"{path}.secretFile: {webhook.SecretFile} is empty");
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
                {
                    errors.Add($"{path}.secretFile: cannot read {webhook.SecretFile}: {e.GetType().Name}");
                }
            }
        }
    }
}
