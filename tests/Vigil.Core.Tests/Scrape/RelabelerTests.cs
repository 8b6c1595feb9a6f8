using Vigil.Core.Scrape;
using Vigil.Core.Telemetry;

namespace Vigil.Core.Tests.Scrape;

public sealed class RelabelerTests
{
    /// <summary>Scenario name, input labels, steps, expected labels (null: dropped).</summary>
    public static TheoryData<string, string, RelabelConfig[], string?> Scenarios => new()
    {
        // replace
        { "replace default copies first source", "a=foo", [R(RelabelAction.Replace, ["a"], target: "b")], "a=foo,b=foo" },
        { "replace joins sources with separator", "a=foo,b=bar", [R(RelabelAction.Replace, ["a", "b"], target: "c")], "a=foo,b=bar,c=foo;bar" },
        { "replace custom separator and groups", "a=foo,b=bar", [R(RelabelAction.Replace, ["a", "b"], target: "c", separator: "-", regex: "(f.*)-(b.*)", replacement: "${2}x$1")], "a=foo,b=bar,c=barxfoo" },
        { "replace non-matching regex leaves labels", "a=foo", [R(RelabelAction.Replace, ["a"], target: "b", regex: "bar")], "a=foo" },
        { "replace regex is fully anchored", "a=foobar", [R(RelabelAction.Replace, ["a"], target: "b", regex: "foo")], "a=foobar" },
        { "replace missing source label is empty and matches (.*) giving empty, which deletes", "a=foo,b=old", [R(RelabelAction.Replace, ["missing"], target: "b")], "a=foo" },
        { "replace empty source matched by explicit empty regex sets value", "a=foo", [R(RelabelAction.Replace, ["missing"], target: "b", regex: "", replacement: "set")], "a=foo,b=set" },
        { "replace to empty deletes target", "a=foo,b=bar", [R(RelabelAction.Replace, ["a"], target: "b", regex: "foo", replacement: "")], "a=foo" },
        { "replace target label template", "a=foo", [R(RelabelAction.Replace, ["a"], target: "name_$1", regex: "(.*)", replacement: "v")], "a=foo,name_foo=v" },
        { "replace invalid expanded target skipped", "a=foo-bar", [R(RelabelAction.Replace, ["a"], target: "$1", replacement: "v")], "a=foo-bar" },
        { "replace named group (?P<n>)", "a=10.1.2.3:9100", [R(RelabelAction.Replace, ["a"], target: "host", regex: "(?P<host>[^:]+):(?P<port>\\d+)", replacement: "$host")], "a=10.1.2.3:9100,host=10.1.2.3" },
        { "replace named groups number like Go", "a=x-y", [R(RelabelAction.Replace, ["a"], target: "b", regex: "(?P<first>.)-(.)", replacement: "$1$2")], "a=x-y,b=xy" },
        { "replace $1x names group 1x (empty)", "a=foo", [R(RelabelAction.Replace, ["a"], target: "b", replacement: "$1x")], "a=foo" },
        { "replace $$ is a dollar", "a=foo", [R(RelabelAction.Replace, ["a"], target: "b", replacement: "$$${1}")], "a=foo,b=$foo" },
        { "replace without source writes constant", "a=foo", [R(RelabelAction.Replace, target: "env", replacement: "prod")], "a=foo,env=prod" },

        // keep / drop
        { "keep matching", "a=foo", [R(RelabelAction.Keep, ["a"], regex: "f.*")], "a=foo" },
        { "keep not matching drops", "a=foo", [R(RelabelAction.Keep, ["a"], regex: "bar")], null },
        { "keep missing label is empty and fails f.*", "b=foo", [R(RelabelAction.Keep, ["a"], regex: "f.*")], null },
        { "keep missing label matches empty regex", "b=foo", [R(RelabelAction.Keep, ["a"], regex: "")], "b=foo" },
        { "drop matching drops", "a=foo", [R(RelabelAction.Drop, ["a"], regex: "foo|bar")], null },
        { "drop not matching keeps", "a=baz", [R(RelabelAction.Drop, ["a"], regex: "foo|bar")], "a=baz" },
        { "drop anchored: substring does not match", "a=foobar", [R(RelabelAction.Drop, ["a"], regex: "foo")], "a=foobar" },

        // keepequal / dropequal
        { "keepequal equal keeps", "a=foo,b=foo", [R(RelabelAction.KeepEqual, ["a"], target: "b")], "a=foo,b=foo" },
        { "keepequal different drops", "a=foo,b=bar", [R(RelabelAction.KeepEqual, ["a"], target: "b")], null },
        { "keepequal both missing are equal", "c=x", [R(RelabelAction.KeepEqual, ["a"], target: "b")], "c=x" },
        { "dropequal equal drops", "a=foo,b=foo", [R(RelabelAction.DropEqual, ["a"], target: "b")], null },
        { "dropequal different keeps", "a=foo,b=bar", [R(RelabelAction.DropEqual, ["a"], target: "b")], "a=foo,b=bar" },

        // hashmod (values agree with Prometheus's relabel_test.go and md5)
        { "hashmod as Prometheus", "a=foo,b=bar,c=baz", [R(RelabelAction.HashMod, ["c"], target: "d", modulus: 1000)], "a=foo,b=bar,c=baz,d=976" },
        { "hashmod of empty value", "a=x", [R(RelabelAction.HashMod, ["missing"], target: "d", modulus: 1000)], "a=x,d=958" },
        { "hashmod then keep shards", "__address__=10.0.0.1:9100", [R(RelabelAction.HashMod, ["__address__"], target: "__tmp_hash", modulus: 10), R(RelabelAction.Keep, ["__tmp_hash"], regex: "5")], "__address__=10.0.0.1:9100,__tmp_hash=5" },

        // labelmap
        { "labelmap with group", "__meta_kubernetes_pod_label_app=web,__meta_kubernetes_pod_label_tier=fe,other=x", [R(RelabelAction.LabelMap, regex: "__meta_kubernetes_pod_label_(.+)")], "__meta_kubernetes_pod_label_app=web,__meta_kubernetes_pod_label_tier=fe,app=web,other=x,tier=fe" },
        { "labelmap replacement template", "foo_a=1,bar=2", [R(RelabelAction.LabelMap, regex: "foo_(.*)", replacement: "x_${1}_y")], "bar=2,foo_a=1,x_a_y=1" },
        { "labelmap no match unchanged", "a=1", [R(RelabelAction.LabelMap, regex: "zzz(.*)")], "a=1" },

        // labeldrop / labelkeep
        { "labeldrop matching names", "a=1,b=2,ab=3", [R(RelabelAction.LabelDrop, regex: "a.*")], "b=2" },
        { "labeldrop anchored", "xa=1,a=2", [R(RelabelAction.LabelDrop, regex: "a")], "xa=1" },
        { "labelkeep keeps matching only", "a=1,b=2,__name__=m", [R(RelabelAction.LabelKeep, regex: "__name__|a")], "__name__=m,a=1" },

        // lowercase / uppercase
        { "lowercase", "a=FooBAR", [R(RelabelAction.Lowercase, ["a"], target: "b")], "a=FooBAR,b=foobar" },
        { "uppercase", "a=FooBar", [R(RelabelAction.Uppercase, ["a"], target: "a")], "a=FOOBAR" },
        { "lowercase of missing deletes target", "a=1,b=X", [R(RelabelAction.Lowercase, ["missing"], target: "b")], "a=1" },

        // ordering
        { "steps run in order: drop after rewrite", "a=foo", [R(RelabelAction.Replace, ["a"], target: "a", replacement: "bar"), R(RelabelAction.Drop, ["a"], regex: "bar")], null },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Process_Scenario_MatchesPrometheus(string scenario, string input, RelabelConfig[] steps, string? expected)
    {
        var result = Relabeler.Process(Labels(input), steps);

        if (expected is null)
        {
            Assert.True(result is null, $"{scenario}: expected the set to be dropped, got {result}");
        }
        else
        {
            Assert.True(result is not null, $"{scenario}: dropped unexpectedly");
            Assert.Equal(Labels(expected), result);
        }
    }

    [Fact]
    public void Process_NoSteps_ReturnsSameSet()
    {
        var labels = Labels("a=1");
        Assert.Same(labels, Relabeler.Process(labels, []));
    }

    private static RelabelConfig R(
        RelabelAction action,
        string[]? sources = null,
        string? target = null,
        string? separator = null,
        string? regex = null,
        ulong? modulus = null,
        string? replacement = null) =>
        RelabelConfig.Create(action, sources, separator, target, regex, modulus, replacement);

    internal static LabelSet Labels(string text) =>
        LabelSet.From(text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p =>
        {
            var eq = p.IndexOf('=', StringComparison.Ordinal);
            return new Label(p[..eq], p[(eq + 1)..]);
        }));
}
