using Vigil.Core.Declarative;
using Vigil.Core.Verification;
using Vigil.Core.Verification.Plans;

namespace Vigil.Core.Tests.Verification.Plans;

public sealed class VerificationPlanYamlTests
{
    internal const string Good = """
        apiVersion: vigil/v1
        kind: VerificationPlan
        metadata:
          name: checkout
        spec:
          services: [checkout, checkout-worker]
          mode: canary
          baselineVersion: "1.4.1"
          interval: 30s
          duration: 10m
          minimumIntervals: 4
          minimumRequests: 200
          passThreshold: 90
          marginalThreshold: 70
          falseFailRate: 0.02
          metrics:
            - name: error-ratio
              kind: count-ratio
              direction: increase
              query: 'sum(increase(traces_span_metrics_calls_total{service_name="{{service}}",service_version="{{version}}",status_code="STATUS_CODE_ERROR"}[{{interval}}]))'
              totalQuery: 'sum(increase(traces_span_metrics_calls_total{service_name="{{service}}",service_version="{{version}}"}[{{interval}}]))'
              critical: true
              allowedEffect: 0.2
              group: errors
            - name: p95-latency
              kind: latency-histogram
              direction: increase
              query: |
                sum by (le) (
                  increase(traces_span_metrics_duration_seconds_bucket{service_name="{{service}}",service_version="{{version}}"}[{{interval}}])
                )
              quantile: 0.95
              weight: 2
            - name: cpu
              kind: continuous
              direction: either
              query: avg(rate(process_cpu_seconds_total{service_name="{{service}}",deployment_environment_name="{{environment}}"}[{{interval}}]))
              weight: 0
        """;

    private static (VerificationPlan? Plan, List<DocumentError> Errors) Parse(string yaml, int lineOffset = 0)
    {
        var errors = new List<DocumentError>();
        var plan = VerificationPlanYaml.Parse("plans/checkout.yaml", yaml, errors, lineOffset);
        return (plan, errors);
    }

    private static void AssertEqualPlans(VerificationPlan expected, VerificationPlan actual)
    {
        Assert.Equal(expected with { Services = [], Metrics = [] }, actual with { Services = [], Metrics = [] });
        Assert.Equal(expected.Services, actual.Services);
        Assert.Equal(expected.Metrics, actual.Metrics);
    }

    [Fact]
    public void Parse_GoodPlan_ReadsEveryField()
    {
        var (plan, errors) = Parse(Good);

        Assert.Empty(errors);
        Assert.NotNull(plan);
        Assert.Equal("checkout", plan.Name);
        Assert.Equal(["checkout", "checkout-worker"], plan.Services);
        Assert.Equal(ComparisonMode.Canary, plan.Mode);
        Assert.Equal("1.4.1", plan.BaselineVersion);
        Assert.Equal(TimeSpan.FromSeconds(30), plan.Interval);
        Assert.Equal(TimeSpan.FromMinutes(10), plan.Duration);
        Assert.Equal((4, 200L, 90.0, 70.0, 0.02), (plan.MinimumIntervals, plan.MinimumRequests, plan.PassThreshold, plan.MarginalThreshold, plan.FalseFailRate));
        Assert.Equal(3, plan.Metrics.Count);
        var errorRatio = plan.Metrics[0];
        Assert.Equal((MetricKind.CountRatio, MetricDirection.Increase, true, 0.2, "errors", 1.0), (errorRatio.Kind, errorRatio.Direction, errorRatio.Critical, errorRatio.AllowedEffect, errorRatio.Group, errorRatio.Weight));
        Assert.Contains("status_code=\"STATUS_CODE_ERROR\"", errorRatio.Query, StringComparison.Ordinal);
        Assert.NotNull(errorRatio.TotalQuery);
        Assert.Equal((MetricKind.LatencyHistogram, 0.95, false, 0.1, "default", 2.0), (plan.Metrics[1].Kind, plan.Metrics[1].Quantile!.Value, plan.Metrics[1].Critical, plan.Metrics[1].AllowedEffect, plan.Metrics[1].Group, plan.Metrics[1].Weight));
        Assert.Equal((MetricKind.Continuous, MetricDirection.Either, 0.0), (plan.Metrics[2].Kind, plan.Metrics[2].Direction, plan.Metrics[2].Weight));
    }

    [Fact]
    public void Parse_MinimalPlan_UsesDocumentedDefaults()
    {
        var (plan, errors) = Parse("""
            apiVersion: vigil/v1
            kind: VerificationPlan
            metadata: {name: minimal}
            spec:
              metrics:
                - {name: up, kind: continuous, direction: decrease, query: 'sum(up{job="{{service}}"})'}
            """);

        Assert.Empty(errors);
        Assert.NotNull(plan);
        Assert.Equal(new VerificationPlan("minimal", [], ComparisonMode.Canary, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(15), []) with { Services = plan.Services, Metrics = plan.Metrics }, plan);
        Assert.Empty(plan.Services);
        Assert.Equal(new PlanMetric("up", MetricKind.Continuous, MetricDirection.Decrease, "sum(up{job=\"{{service}}\"})"), Assert.Single(plan.Metrics));
    }

    [Fact]
    public void WriteThenParse_DefaultPlan_RoundTripsToAnEqualPlan()
    {
        var yaml = VerificationPlanYaml.Write(DefaultVerificationPlan.Plan);

        var (plan, errors) = Parse(yaml);

        Assert.Empty(errors);
        Assert.NotNull(plan);
        AssertEqualPlans(DefaultVerificationPlan.Plan, plan);
    }

    [Fact]
    public void WriteThenParse_PlanWithEveryField_RoundTripsToAnEqualPlan()
    {
        var original = Parse(Good).Plan!;
        var odd = original with
        {
            Name = "true",
            Services = ["12", "svc with: colon", "null"],
            Mode = ComparisonMode.Canary,
            BaselineVersion = "1.0",
            Metrics =
            [
                .. original.Metrics,
                new PlanMetric("multi", MetricKind.Continuous, MetricDirection.Decrease, "sum(\n  up{job='{{service}}'}\n)\n", Weight: 0.25, AllowedEffect: 0),
                new PlanMetric("new-error-templates", MetricKind.Continuous, MetricDirection.Increase, "sum(vigil_release_new_log_templates{service_version=\"{{version}}\"})", Critical: true, Limit: 0),
            ],
        };

        var (plan, errors) = Parse(VerificationPlanYaml.Write(odd));

        Assert.Empty(errors);
        AssertEqualPlans(odd, plan!);
    }

    [Fact]
    public void Parse_BeforeAfterPlan_RoundTrips()
    {
        var plan = DefaultVerificationPlan.Plan with { Name = "fleet", Mode = ComparisonMode.BeforeAfter, Services = ["api"], Interval = TimeSpan.FromSeconds(5), Duration = TimeSpan.FromMinutes(2) };

        var (read, errors) = Parse(VerificationPlanYaml.Write(plan));

        Assert.Empty(errors);
        AssertEqualPlans(plan, read!);
    }

    [Fact]
    public void Parse_UnknownMetricKeyAndKind_ReportsBothWithPositions()
    {
        var yaml = Good.Replace("      weight: 2\n", "      weight: 2\n      threshold: 5\n", StringComparison.Ordinal)
            .Replace("kind: continuous", "kind: gauge", StringComparison.Ordinal);

        var (plan, errors) = Parse(yaml, lineOffset: 10);

        Assert.Null(plan);
        var texts = errors.Select(e => e.ToString()).ToList();
        Assert.Contains("plans/checkout.yaml:44:7: spec.metrics[1].threshold: unknown key (known: name, kind, direction, query, totalQuery, quantile, critical, allowedEffect, group, weight, limit)", texts);
        Assert.Contains("plans/checkout.yaml:46:13: spec.metrics[2].kind: unknown metric kind 'gauge' (known: continuous, latency-histogram, count-ratio)", texts);
        Assert.Equal(2, errors.Count);
    }

    [Fact]
    public void Parse_PromQlThatDoesNotParse_PointsAtTheErrorInsideTheQuery()
    {
        var yaml = """
            apiVersion: vigil/v1
            kind: VerificationPlan
            metadata: {name: bad-promql}
            spec:
              metrics:
                - name: plain
                  kind: continuous
                  direction: increase
                  query: sum(rate(http_requests_total{job="{{service}}"}[{{interval}}])
                - name: quoted
                  kind: continuous
                  direction: increase
                  query: 'avg(foo{a="{{environment}}"}) +'
                - name: block
                  kind: continuous
                  direction: increase
                  query: |
                    sum(
                      rate(foo[{{interval}}]) bar
                    )
            """;

        var (plan, errors) = Parse(yaml);

        Assert.Null(plan);
        Assert.Equal(3, errors.Count);
        Assert.StartsWith("plans/checkout.yaml:9:17: spec.metrics[0].query: PromQL does not parse: unclosed left parenthesis (at character 4 of the query)", errors[0].ToString(), StringComparison.Ordinal);
        Assert.StartsWith("plans/checkout.yaml:13:46: spec.metrics[1].query: PromQL does not parse: unexpected end of input (at character 32 of the query)", errors[1].ToString(), StringComparison.Ordinal);
        Assert.StartsWith("plans/checkout.yaml:19:35: spec.metrics[2].query: PromQL does not parse: unexpected identifier \"bar\" in argument list", errors[2].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownPlaceholder_NamesItAtItsPosition()
    {
        var yaml = Good.Replace("deployment_environment_name=\"{{environment}}\"", "deployment_environment_name=\"{{env}}\",region=\"{{ service }}\"", StringComparison.Ordinal);

        var (plan, errors) = Parse(yaml);

        Assert.Null(plan);
        Assert.Equal(
            [
                "plans/checkout.yaml:37:105: spec.metrics[2].query: unknown placeholder '{{env}}' (known: {{service}}, {{version}}, {{baseline_version}}, {{environment}}, {{interval}})",
                "plans/checkout.yaml:37:122: spec.metrics[2].query: write the placeholder as '{{service}}', without spaces",
            ],
            errors.Select(e => e.ToString()));
    }

    [Theory]
    [InlineData("passThreshold: 90", "passThreshold: 101", "13:18: spec.passThreshold: 101 is out of range (0 to 100)")]
    [InlineData("marginalThreshold: 70", "marginalThreshold: 95", "14:22: spec.marginalThreshold: 95 is above passThreshold 90")]
    [InlineData("falseFailRate: 0.02", "falseFailRate: 0.5", "15:18: spec.falseFailRate: 0.5 is out of range (0 < falseFailRate <= 0.2")]
    [InlineData("falseFailRate: 0.02", "falseFailRate: 0", "15:18: spec.falseFailRate: 0 is out of range")]
    [InlineData("minimumIntervals: 4", "minimumIntervals: 0", "11:21: spec.minimumIntervals: 0 is out of range (1 <= minimumIntervals <= 1440)")]
    [InlineData("minimumRequests: 200", "minimumRequests: -3", "12:20: spec.minimumRequests: -3 is out of range (minimumRequests >= 1)")]
    [InlineData("allowedEffect: 0.2", "allowedEffect: -0.1", "23:22: spec.metrics[0].allowedEffect: -0.1 is out of range (allowedEffect >= 0")]
    [InlineData("weight: 2", "weight: -1", "33:15: spec.metrics[1].weight: -1 is out of range (weight >= 0")]
    [InlineData("quantile: 0.95", "quantile: 95", "32:17: spec.metrics[1].quantile: 95 is out of range (0 < quantile < 1")]
    [InlineData("interval: 30s", "interval: 500ms", "9:13: spec.interval: must be at least 1s")]
    [InlineData("duration: 10m", "duration: 10s", "10:13: spec.duration: 10s is shorter than the interval 30s")]
    [InlineData("duration: 10m", "duration: 2d", "10:13: spec.duration: must be at most 1d")]
    [InlineData("interval: 30s", "interval: 30 seconds", "9:13: spec.interval: '30 seconds' has an unknown unit")]
    [InlineData("passThreshold: 90", "passThreshold: \"90\"", "13:18: spec.passThreshold: expected a number, not a quoted string")]
    [InlineData("critical: true", "critical: yes", "22:17: spec.metrics[0].critical: expected true or false, not 'yes'")]
    [InlineData("name: checkout\n", "name: Checkout_Plan\n", "4:9: metadata.name: 'Checkout_Plan' is not a valid name")]
    [InlineData("name: p95-latency", "name: error-ratio", "25:13: spec.metrics[1].name: duplicate metric name 'error-ratio' (first at line 17)")]
    [InlineData("mode: canary", "mode: blue-green", "7:9: spec.mode: unknown mode 'blue-green' (known: canary, before-after)")]
    [InlineData("mode: canary", "mode: before-after", "8:3: spec.baselineVersion: applies only to mode canary")]
    [InlineData("kind: VerificationPlan", "kind: Check", "2:7: kind: expected kind VerificationPlan, not 'Check'")]
    [InlineData("apiVersion: vigil/v1", "apiVersion: vigil/v2", "1:13: apiVersion: unknown apiVersion 'vigil/v2'")]
    public void Parse_ValueOutOfRangeOrWrong_ReportsPositionAndReason(string find, string replace, string expected)
    {
        var (plan, errors) = Parse(Good.Replace(find, replace, StringComparison.Ordinal));

        Assert.Null(plan);
        var error = Assert.Single(errors);
        Assert.StartsWith("plans/checkout.yaml:" + expected, error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("      quantile: 0.95\n", "      quantile: 0.95\n      limit: 5\n", "limit", "spec.metrics[1].limit: applies only to kind continuous, not latency-histogram")]
    [InlineData("      weight: 0\n", "      weight: 0\n      limit: 5\n", "limit", "spec.metrics[2].limit: needs direction increase (the value must stay at or below the limit) or decrease (at or above it), not either")]
    public void Parse_LimitOnTheWrongMetric_ReportsPositionAndReason(string find, string replace, string key, string expected)
    {
        var yaml = (Good + "\n").Replace(find, replace, StringComparison.Ordinal);
        var lines = yaml.Split('\n');
        var line = Array.FindIndex(lines, l => l.TrimStart().StartsWith(key + ":", StringComparison.Ordinal)) + 1;
        var column = lines[line - 1].IndexOf(key, StringComparison.Ordinal) + 1;

        var (plan, errors) = Parse(yaml);

        Assert.Null(plan);
        var error = Assert.Single(errors);
        Assert.Equal($"plans/checkout.yaml:{line}:{column}: {expected}", error.ToString());
    }

    [Fact]
    public void Parse_MissingRequiredKeys_ReportsEachAtItsMapping()
    {
        var (plan, errors) = Parse("""
            apiVersion: vigil/v1
            kind: VerificationPlan
            metadata: {}
            spec:
              metrics:
                - name: ratio
                  kind: count-ratio
                  query: sum(errors_total)
                - name: lat
                  kind: latency-histogram
                  direction: increase
                  query: sum by (le) (rate(h_bucket[1m]))
            """);

        Assert.Null(plan);
        Assert.Equal(
            [
                "plans/checkout.yaml:3:11: metadata: 'name' is required",
                "plans/checkout.yaml:6:7: spec.metrics[0]: 'direction' is required",
                "plans/checkout.yaml:6:7: spec.metrics[0]: 'totalQuery' is required for kind count-ratio (the request count the events are divided by)",
                "plans/checkout.yaml:9:7: spec.metrics[1]: 'quantile' is required for kind latency-histogram (such as 0.95)",
            ],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Parse_QueryOfTheWrongType_SaysWhatTheKindNeeds()
    {
        var (plan, errors) = Parse("""
            apiVersion: vigil/v1
            kind: VerificationPlan
            metadata: {name: types}
            spec:
              metrics:
                - {name: range, kind: continuous, direction: increase, query: 'foo[{{interval}}]'}
                - {name: drops-le, kind: latency-histogram, direction: increase, quantile: 0.5, query: 'sum(rate(h_bucket[1m]))'}
                - {name: scalar-hist, kind: latency-histogram, direction: increase, quantile: 0.5, query: '1'}
            """);

        Assert.Null(plan);
        Assert.Equal(
            [
                "plans/checkout.yaml:6:67: spec.metrics[0].query: the query gives a range vector, but kind continuous needs an instant vector or a scalar (wrap a range selector in increase(), rate() or an *_over_time function)",
                "plans/checkout.yaml:7:92: spec.metrics[1].query: the aggregation drops the le label, so there are no buckets left to judge: use sum by (le) (...)",
                "plans/checkout.yaml:8:95: spec.metrics[2].query: the query gives a scalar, but kind latency-histogram needs an instant vector of bucket counts, one series per le",
            ],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Parse_KnownMetricNamesGiven_RejectsAMetricWithNoSeriesButNotDerivedOnes()
    {
        var errors = new List<DocumentError>();
        var context = new DeclarativeValidationContext(new HashSet<string>(StringComparer.Ordinal) { "http_requests_total" });

        var plan = VerificationPlanYaml.Parse("p.yaml", """
            apiVersion: vigil/v1
            kind: VerificationPlan
            metadata: {name: names}
            spec:
              metrics:
                - {name: a, kind: continuous, direction: increase, query: 'sum(rate(http_requests_total[1m])) / sum(rate(htp_requests_total[1m]))'}
                - {name: b, kind: continuous, direction: increase, query: 'sum(rate(traces_span_metrics_calls_total[1m])) + sum(up) + count(vigil_x)'}
                - {name: c, kind: continuous, direction: increase, query: 'sum(rate({{service}}_requests_total[1m]))'}
            """, errors, 0, context);

        Assert.Null(plan);
        Assert.Equal(
            ["p.yaml:6:63: spec.metrics[0].query: unknown metric 'htp_requests_total': no series of it in the metrics source recently (check the name, or apply the plan once the metric has data)"],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Parse_YamlSyntaxError_ReportsItsPosition()
    {
        var (plan, errors) = Parse("apiVersion: vigil/v1\nkind: VerificationPlan\nmetadata:\n  name: [unclosed\n", lineOffset: 4);

        Assert.Null(plan);
        var error = Assert.Single(errors);
        Assert.Equal(("plans/checkout.yaml", true), (error.File, error.Line > 4));
        Assert.StartsWith("YAML syntax error: ", error.Reason, StringComparison.Ordinal);
    }
    [Fact]
    public void Parse_EveryLineDeletedOrItsValueMangled_NeverThrowsAndAlwaysSaysWhere()
    {
        var lines = Good.Split('\n');
        string[] replacements = ["", "[]", "{}", "~", "'x'", "-1", "1e400", "[a, {b: c}]", "{{service}}"];
        var cases = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var variants = new List<string> { string.Join('\n', lines.Where((_, j) => j != i)) };
            var colon = lines[i].IndexOf(": ", StringComparison.Ordinal);
            if (colon > 0)
            {
                variants.AddRange(replacements.Select(r => string.Join('\n', lines.Select((l, j) => j == i ? l[..(colon + 2)] + r : l))));
            }

            foreach (var yaml in variants)
            {
                var errors = new List<DocumentError>();
                var plan = VerificationPlanYaml.Parse("f.yaml", yaml, errors);
                Assert.True(plan is not null || errors.Count > 0, yaml);
                Assert.All(errors, e => Assert.True(e.Line > 0 && e.Column > 0, e.ToString()));
                cases++;
            }
        }

        Assert.True(cases > 300, $"{cases} cases");
    }
    [Fact]
    public void Parse_EveryWeightZero_IsRejectedForHavingNoScore()
    {
        var (plan, errors) = Parse("""
            apiVersion: vigil/v1
            kind: VerificationPlan
            metadata: {name: informational}
            spec:
              metrics:
                - {name: up, kind: continuous, direction: decrease, query: 'sum(up)', weight: 0}
            """);

        Assert.Null(plan);
        Assert.Equal(["plans/checkout.yaml:6:5: spec.metrics: every metric has weight 0, so there would be no score: give at least one metric a weight above 0"], errors.Select(e => e.ToString()));
    }
}
