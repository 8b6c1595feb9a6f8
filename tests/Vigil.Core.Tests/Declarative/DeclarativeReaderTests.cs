using Vigil.Core.Declarative;
using Vigil.Core.Verification.Plans;

namespace Vigil.Core.Tests.Declarative;

public sealed class DeclarativeReaderTests
{
    internal static string Plan(string name, string services = "[checkout]", string query = "sum(up{job=\"{{service}}\"})") => $"""
        apiVersion: vigil/v1
        kind: VerificationPlan
        metadata:
          name: {name}
        spec:
          services: {services}
          metrics:
            - name: up
              kind: continuous
              direction: decrease
              query: '{query}'

        """;

    private static (IReadOnlyList<DeclarativeDocument> Documents, List<string> Errors) Read(params DeclarativeFile[] files)
    {
        var errors = new List<DocumentError>();
        var documents = DeclarativeReader.Read(files, DeclarativeKinds.Default, DeclarativeValidationContext.Offline, errors);
        return (documents, errors.Select(e => e.ToString()).ToList());
    }

    [Fact]
    public void Read_ValidMultiDocumentFiles_ReturnsEveryObject()
    {
        var (documents, errors) = Read(
            new DeclarativeFile("a.yaml", Plan("checkout") + "---\n" + Plan("cart", "[cart]")),
            new DeclarativeFile("b.yml", Plan("payments", "[payments]")));

        Assert.Empty(errors);
        Assert.Equal(["VerificationPlan/checkout", "VerificationPlan/cart", "VerificationPlan/payments"], documents.Select(d => d.Key));
        Assert.Equal(Plan("cart", "[cart]"), documents[1].Yaml);
    }

    [Fact]
    public void Read_ErrorsInTheSecondDocument_AreReportedAtFileLines()
    {
        var bad = Plan("cart", "[cart]", "sum(up{job=\"{{svc}}\"})").Replace("direction: decrease", "direction: down", StringComparison.Ordinal);

        var (documents, errors) = Read(new DeclarativeFile("plans/all.yaml", Plan("checkout") + "---\n" + bad));

        // The first document has 11 lines and the marker is line 12, so the second document's line 10 is file line 22.
        Assert.Equal(
            [
                "plans/all.yaml:22:18: spec.metrics[0].direction: unknown direction 'down' (known: increase, decrease, either)",
                "plans/all.yaml:23:27: spec.metrics[0].query: unknown placeholder '{{svc}}' (known: {{service}}, {{version}}, {{baseline_version}}, {{environment}}, {{interval}})",
            ],
            errors);
        Assert.Equal(["VerificationPlan/checkout"], documents.Select(d => d.Key));
    }

    [Fact]
    public void Read_UnknownKindWrongApiVersionAndNoName_ReportsEachWithPosition()
    {
        var text = "apiVersion: vigil/v1\nkind: Dashboard\nmetadata: {name: x}\n---\napiVersion: v1\nkind: VerificationPlan\nmetadata: {name: y}\nspec: {}\n---\nkind: VerificationPlan\nmetadata: {}\n---\n- a list\n";

        var (documents, errors) = Read(new DeclarativeFile("k.yaml", text));

        Assert.Empty(documents);
        Assert.Equal(
            [
                "k.yaml:2:7: kind: unknown kind 'Dashboard' (known: Check, VerificationPlan)",
                "k.yaml:5:13: apiVersion: unknown apiVersion 'v1' (this server knows vigil/v1)",
                "k.yaml:10:1: apiVersion is required (apiVersion: vigil/v1)",
                "k.yaml:11:11: metadata: 'name' is required",
                "k.yaml:13:1: a declarative document is a mapping with apiVersion, kind, metadata and spec",
            ],
            errors);
    }

    [Fact]
    public void Read_SameKindAndNameInTwoFiles_IsAnErrorNamingTheFirst()
    {
        var (_, errors) = Read(new DeclarativeFile("a.yaml", Plan("checkout")), new DeclarativeFile("b.yaml", "\n" + Plan("checkout")));

        Assert.Equal(["b.yaml:5:9: metadata.name: VerificationPlan 'checkout' is already defined at a.yaml:1"], errors);
    }

    [Fact]
    public void Read_KindInLowerCase_AsksForTheRegisteredSpelling()
    {
        var (_, errors) = Read(new DeclarativeFile("a.yaml", Plan("checkout").Replace("kind: VerificationPlan", "kind: verificationplan", StringComparison.Ordinal)));

        Assert.Equal(["a.yaml:2:7: kind: write the kind as 'VerificationPlan'"], errors);
    }

    [Fact]
    public void Read_EmptyFile_IsAnError()
    {
        var (_, errors) = Read(new DeclarativeFile("empty.yaml", "# nothing here\n"));

        Assert.Equal(["empty.yaml: no YAML documents in this file"], errors);
    }

    [Fact]
    public void Read_TooManyDocuments_StopsWithAnError()
    {
        var text = string.Concat(Enumerable.Range(0, DeclarativeReader.MaxDocuments + 1).Select(i => "---\n" + Plan($"p{i}")));

        var (_, errors) = Read(new DeclarativeFile("many.yaml", text));

        Assert.Equal([$"many.yaml:{(12 * DeclarativeReader.MaxDocuments) + 1}:1: more than 1000 documents in one apply; split it"], errors);
    }

    [Fact]
    public void Default_HasTheVerificationPlanKind()
    {
        Assert.IsType<VerificationPlanKind>(DeclarativeKinds.Default.Find("verificationplan"));
        Assert.Null(DeclarativeKinds.Default.Find("Dashboard"));
    }
    [Theory]
    [InlineData("flow")]
    [InlineData("compact")]
    public void Read_NestingDeepEnoughToOverflowTheStack_IsAnErrorNotACrash(string shape)
    {
        // 200,000 levels: enough to overflow the stack of a recursive reader, inside the 4 MiB an apply may send.
        var text = shape == "flow" ? "a: " + new string('[', 200_000) : "a:\n" + string.Concat(Enumerable.Repeat("- ", 200_000)) + "x\n";

        var (documents, errors) = Read(new DeclarativeFile("deep.yaml", text));

        Assert.Empty(documents);
        Assert.Equal([shape == "flow" ? "deep.yaml:1:67: nested deeper than 64 levels of lists and mappings" : "deep.yaml:2:127: nested deeper than 64 levels of lists and mappings"], errors);
    }
    [Theory]
    [InlineData("apiVersion: vigil/v1\napiVersion: vigil/v1\nkind: VerificationPlan\n")]
    [InlineData("apiVersion: vigil/v1\nkind: VerificationPlan\nmetadata: &m {name: x, self: *m}\nspec: *undefined\n")]
    [InlineData("apiVersion: vigil/v1\nkind: VerificationPlan\nmetadata: &m [*m]\n")]
    [InlineData("apiVersion: vigil/v1\nkind: VerificationPlan\nmetadata:\n\tname: tab\n")]
    [InlineData("\uFEFFapiVersion: vigil/v1\nkind: VerificationPlan\nmetadata: {name: x}\nspec: {metrics: [{name: a, kind: continuous, direction: increase, query: \"\\u0000\"}]}\n")]
    [InlineData("? [complex, key]\n: value\nkind: VerificationPlan\n")]
    [InlineData("apiVersion: vigil/v1\nkind: !!binary AAAA\nmetadata: {name: !custom x}\n")]
    [InlineData("apiVersion: vigil/v1\nkind: VerificationPlan\nmetadata: {name: x}\nspec: {metrics: [{name: a, kind: continuous, direction: increase, query: 'sum(' }]}\n")]
    public void Read_HostileYaml_IsReportedNeverThrown(string text)
    {
        var (documents, errors) = Read(new DeclarativeFile("x.yaml", text));

        Assert.Empty(documents);
        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.StartsWith("x.yaml:", e, StringComparison.Ordinal));
    }
    [Fact]
    public void Read_TabIndentation_IsReportedAtTheTab()
    {
        var (_, errors) = Read(new DeclarativeFile("t.yaml", Plan("a") + "---\napiVersion: vigil/v1\nkind: VerificationPlan\nmetadata:\n\tname: tab\n"));

        Assert.Equal(["t.yaml:16:1: YAML syntax error: a tab in the indentation; YAML indents with spaces only"], errors);
    }
}
