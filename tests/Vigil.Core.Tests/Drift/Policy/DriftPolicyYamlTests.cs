using Vigil.Core.Declarative;
using Vigil.Core.Drift;
using Vigil.Core.Drift.Compare;
using Vigil.Core.Drift.Policy;
using Vigil.Core.Tests.Drift.Compare;

namespace Vigil.Core.Tests.Drift.Policy;

public sealed class DriftPolicyYamlTests
{
    private const string Expected = """
        apiVersion: vigil/v1
        kind: DriftPolicy
        metadata:
          name: expected-differences
        spec:
          ignore:
            - category: config
              key: "appsettings:Services:*:BaseUrl"
              valuesMatch: 'orders\.(uat|prod)\.example\.com'
              change: changed
              reason: each environment calls its own orders service
            - category: resource
              kind: replicas
              reason: prod runs more replicas
        """;

    private static DriftPolicy Parse(string yaml)
    {
        var errors = new List<DocumentError>();
        var policy = DriftPolicyYaml.Parse("policy.yaml", yaml, errors);
        Assert.Empty(errors);
        return policy!;
    }

    private static List<string> Errors(string yaml)
    {
        var errors = new List<DocumentError>();
        Assert.Null(DriftPolicyYaml.Parse("policy.yaml", yaml, errors));
        return errors.Select(e => e.ToString()).ToList();
    }

    [Fact]
    public void Parse_ValidPolicy_ReadsEveryRule()
    {
        var policy = Parse(Expected);

        Assert.Equal("expected-differences", policy.Name);
        Assert.Equal(2, policy.Rules.Count);
        Assert.Equal(("config", DriftChange.Changed), (policy.Rules[0].Category, policy.Rules[0].Change));
        Assert.Equal(("resource", "replicas", "prod runs more replicas"), (policy.Rules[1].Category, policy.Rules[1].Kind, policy.Rules[1].Reason));
    }

    [Fact]
    public void Compare_WithPolicy_IgnoresHostNamesThatFollowThePatternAndReplicaCounts()
    {
        var policy = Parse(Expected);
        var uat = DriftComparerTests.Snap("uat",
            DriftComparerTests.Item("config", "key", "appsettings:Services:Orders:BaseUrl", "https://orders.uat.example.com/api"),
            DriftComparerTests.Item("config", "key", "appsettings:Services:Billing:BaseUrl", "https://orders.uat.example.com/v1"),
            DriftComparerTests.Item("config", "key", "appsettings:Services:Stock:BaseUrl", "https://stock.uat.example.com/api"),
            DriftComparerTests.Item("resource", "replicas", "deployment/orders", "2"));
        var prod = DriftComparerTests.Snap("prod",
            DriftComparerTests.Item("config", "key", "appsettings:Services:Orders:BaseUrl", "https://orders.prod.example.com/api"),
            DriftComparerTests.Item("config", "key", "appsettings:Services:Billing:BaseUrl", "https://orders.prod.example.com/v2"),
            DriftComparerTests.Item("config", "key", "appsettings:Services:Stock:BaseUrl", "https://stock.prod.example.com/api"),
            DriftComparerTests.Item("resource", "replicas", "deployment/orders", "6"));

        var report = new DriftComparer([policy]).Compare(uat, prod);

        // Orders differs only in the host the pattern allows; Billing's path differs too; Stock's host does not follow the pattern.
        Assert.Equal(["appsettings:Services:Billing:BaseUrl", "appsettings:Services:Stock:BaseUrl"], report.Items.Select(i => i.Key).Order(StringComparer.Ordinal));
        Assert.Equal(2, report.Ignored);
        Assert.Contains("DriftPolicy expected-differences ignored 2 expected difference(s).", report.Notes!);
    }

    [Fact]
    public void Compare_ValuesMatchRule_NeverIgnoresAMissingItem()
    {
        var policy = Parse(Expected.Replace("      change: changed\n", "", StringComparison.Ordinal));
        var report = new DriftComparer([policy]).Compare(
            DriftComparerTests.Snap("uat", DriftComparerTests.Item("config", "key", "appsettings:Services:Orders:BaseUrl", "https://orders.uat.example.com")),
            DriftComparerTests.Snap("prod"));

        Assert.Equal(DriftChange.Missing, Assert.Single(report.Items).Change);
    }

    [Fact]
    public void Compare_KeyRegexAndChangeRule_IgnoresOnlyThatChange()
    {
        var policy = Parse("""
            apiVersion: vigil/v1
            kind: DriftPolicy
            metadata:
              name: extra-tables
            spec:
              ignore:
                - keyRegex: 'audit\..*'
                  change: unexpected
                  reason: prod keeps audit tables UAT does not
            """);
        var report = new DriftComparer([policy]).Compare(
            DriftComparerTests.Snap("uat", DriftComparerTests.Item("schema", "table", "audit.gone", "table")),
            DriftComparerTests.Snap("prod", DriftComparerTests.Item("schema", "table", "audit.log", "table")));

        Assert.Equal("audit.gone", Assert.Single(report.Items).Key);
        Assert.Equal(1, report.Ignored);
    }

    [Fact]
    public void Parse_BadPolicy_ReportsEveryErrorWithFileLineAndColumn()
    {
        var errors = Errors("""
            apiVersion: vigil/v1
            kind: DriftPolicy
            metadata:
              name: Bad_Name
            spec:
              ignore:
                - category: configs
                  keyRegex: 'orders(('
                  reason: broken
                - kind: replicas
                  valuesMatch: '(a)\1'
                  reason: backreference
                - change: renamed
                  colour: blue
                  reason: unknown key
                - reason: matches everything
            """);

        Assert.Equal(
            [
                "policy.yaml:4:9: metadata.name: 'Bad_Name' is not a valid name (1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit)",
                "policy.yaml:7:17: spec.ignore[0].category: unknown category 'configs' (known: env, config, runtime, dependency, schema, migration, resource, endpoint)",
                "policy.yaml:8:17: spec.ignore[0].keyRegex: not a valid regular expression: InsufficientClosingParentheses at offset 8",
                "policy.yaml:11:20: spec.ignore[1].valuesMatch: not supported: patterns here run in linear time, without backreferences, lookarounds or atomic groups (" + BackreferenceMessage() + ")",
                "policy.yaml:13:7: spec.ignore[2]: a rule needs at least one of category, kind, key or keyRegex; one matching every item would hide all drift",
                "policy.yaml:13:15: spec.ignore[2].change: unknown change 'renamed' (known: missing, unexpected, changed)",
                "policy.yaml:14:7: spec.ignore[2].colour: unknown key (known: category, kind, key, keyRegex, valuesMatch, change, reason)",
                "policy.yaml:16:7: spec.ignore[3]: a rule needs at least one of category, kind, key or keyRegex; one matching every item would hide all drift",
            ],
            errors);
    }

    [Fact]
    public void Parse_KeyAndKeyRegexTogether_IsAnError()
    {
        var errors = Errors("""
            apiVersion: vigil/v1
            kind: DriftPolicy
            metadata:
              name: both
            spec:
              ignore:
                - key: 'a*'
                  keyRegex: 'a.*'
                  reason: twice
            """);

        Assert.Equal(["policy.yaml:8:7: spec.ignore[0].keyRegex: give key (a glob) or keyRegex (a regular expression), not both"], errors);
    }

    [Fact]
    public void Apply_DriftPolicyDocument_IsValidatedByTheDefaultKinds()
    {
        var errors = new List<DocumentError>();
        var documents = DeclarativeReader.Read(
            [new DeclarativeFile("drift.yaml", Expected + "\n---\n" + Expected.Replace("expected-differences", "second", StringComparison.Ordinal).Replace("kind: replicas", "kind: replica", StringComparison.Ordinal))],
            DeclarativeKinds.Default, DeclarativeValidationContext.Offline, errors);

        Assert.Equal(["DriftPolicy/expected-differences"], documents.Select(d => d.Key));
        var error = Assert.Single(errors);
        Assert.Equal("drift.yaml", error.File);
        Assert.Equal(15 + 13, error.Line); // the second document starts after the 14 lines of the first and its '---'.
        Assert.Contains("unknown kind 'replica'", error.Reason, StringComparison.Ordinal);
    }

    private static string BackreferenceMessage()
    {
        try
        {
            _ = new System.Text.RegularExpressions.Regex(@"(a)\1", System.Text.RegularExpressions.RegexOptions.NonBacktracking);
            return "(no error)";
        }
        catch (NotSupportedException ex)
        {
            return ex.Message;
        }
    }
}
