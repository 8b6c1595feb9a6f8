using System.Globalization;
using System.Text.Json;

namespace Vigil.Server.Tests.Grafana;

/// <summary>
/// Grafana's Prometheus data source against Vigil: every request in <c>grafana-requests.txt</c> is sent to a real
/// Vigil and to Debian's Prometheus 2.42 holding the same data, and the answers must agree in status, envelope, JSON
/// structure and (where the list says so) values.
/// </summary>
public sealed class GrafanaContractTests(GrafanaContractFixture fixture) : IClassFixture<GrafanaContractFixture>
{
    /// <summary>The names of the requests in the list, one test case each.</summary>
    public static TheoryData<string> RequestNames()
    {
        var data = new TheoryData<string>();
        foreach (var request in GrafanaRequestList.Load())
        {
            data.Add(request.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RequestNames))]
    public async Task GrafanaRequest_VigilAnswersAsPrometheusDoes(string name)
    {
        var request = GrafanaRequestList.Load().Single(r => r.Name == name);
        var expand = fixture.Dataset.Expand;

        var vigil = await GrafanaContractFixture.SendAsync(fixture.VigilClient, request, expand);
        if (request.Compare == CompareMode.VigilOnly)
        {
            Assert.True(vigil.Status == request.ExpectStatus, $"{request.Describe(expand)}\n{request.Note}\nVigil: {vigil.Status} {vigil.ContentType} {Truncate(vigil.Body)}");
            Assert.False(vigil.ContentType?.Contains("html", StringComparison.OrdinalIgnoreCase) ?? false, "Vigil answered HTML to an API path");
            return;
        }

        var prometheus = await GrafanaContractFixture.SendAsync(fixture.PrometheusClient, request, expand);
        var limit = request.Parameters.Where(p => p.Key == "limit" && int.TryParse(p.Value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .Select(p => (int?)int.Parse(p.Value, CultureInfo.InvariantCulture)).FirstOrDefault();
        var diffs = PrometheusResponseComparer.Compare(request, prometheus, vigil, limit);

        if (request.Known.Count > 0)
        {
            // A known Vigil deviation, reported to be fixed: the answer must differ exactly as the list says (no more,
            // no less), so a new difference still fails, and so does the fix, as a reminder to delete the known lines.
            var unexplained = diffs.Where(d => !request.Known.Any(k => d.Contains(k, StringComparison.Ordinal))).ToList();
            var unseen = request.Known.Where(k => !diffs.Any(d => d.Contains(k, StringComparison.Ordinal))).ToList();
            Assert.True(unexplained.Count == 0 && unseen.Count == 0, string.Join('\n',
            [
                request.Describe(expand),
                "known deviations: " + string.Join(" | ", request.Known),
                .. unseen.Select(k => "  no longer seen (fixed? delete this known line): " + k),
                .. unexplained.Select(d => "  - " + d),
                $"Prometheus: {prometheus.Status} {Truncate(prometheus.Body)}",
                $"Vigil:      {vigil.Status} {Truncate(vigil.Body)}",
            ]));
            return;
        }

        Assert.True(diffs.Count == 0, string.Join('\n',
        [
            request.Describe(expand),
            request.Note,
            .. diffs.Select(d => "  - " + d),
            $"Prometheus: {prometheus.Status} {Truncate(prometheus.Body)}",
            $"Vigil:      {vigil.Status} {Truncate(vigil.Body)}",
        ]));
    }

    private static string Truncate(string text) => text.Length <= 1500 ? text : text[..1500] + "…";
}
