using System.Globalization;
using System.Net;
using DnsClient;
using DnsClient.Protocol;

namespace Vigil.Core.Checks.Runners;

/// <summary>One DNS query (phase <c>dns</c>) against the check's resolver, judged against the expected answers.</summary>
internal sealed class DnsRunner(TimeProvider time) : ICheckRunner
{
    public async Task<AttemptOutcome> RunAsync(CheckAttempt attempt, CancellationToken cancellationToken)
    {
        var spec = (DnsCheckSpec)attempt.Check.Spec;
        LookupClientOptions options;
        if (spec.ResolverHost is { } host)
        {
            var address = IPAddress.TryParse(host, out var literal)
                ? literal
                : (await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false)).FirstOrDefault()
                  ?? throw new CheckTargetException($"resolver {host}: host not found");
            options = new LookupClientOptions(new NameServer(address, spec.ResolverPort));
        }
        else
        {
            options = new LookupClientOptions();
        }

        options.UseCache = false;
        options.Retries = 0;
        options.Timeout = attempt.Check.Timeout;
        options.ThrowDnsErrors = false;
        options.ContinueOnDnsError = false;
        options.ContinueOnEmptyResponse = false;
        options.UseTcpFallback = true;
        var resolver = spec.ResolverHost is null ? "the system resolver" : $"{spec.ResolverHost}:{spec.ResolverPort}";
        var client = new LookupClient(options);
        var start = time.GetTimestamp();
        IDnsQueryResponse response;
        try
        {
            response = await client.QueryAsync(spec.Name, Type(spec.RecordType), QueryClass.IN, cancellationToken).ConfigureAwait(false);
        }
        catch (DnsResponseException e)
        {
            attempt.AddPhase("dns", time.GetElapsedTime(start));
            return AttemptOutcome.Failed($"{spec.RecordType} {spec.Name} at {resolver}: {(e.Code == DnsResponseCode.ConnectionTimeout ? "no answer (timed out)" : e.Message)}");
        }

        attempt.AddPhase("dns", time.GetElapsedTime(start));
        var code = response.Header.ResponseCode;
        var answers = response.Answers.Where(r => Matches(r, spec.RecordType)).Select(Format).ToList();
        var shown = answers.Count == 0 ? "no answers" : string.Join(", ", answers);
        var query = $"{spec.RecordType} {spec.Name}";
        var results = new List<AssertionResult>();
        if (spec.ExpectNxDomain)
        {
            var nx = code == DnsHeaderResponseCode.NotExistentDomain;
            results.Add(new AssertionResult("NXDOMAIN", nx, false, code.ToString(), nx ? null : $"{query}: expected NXDOMAIN, got {Rcode(code)} ({shown})"));
        }
        else if (code != DnsHeaderResponseCode.NoError)
        {
            results.Add(new AssertionResult("NOERROR", false, false, code.ToString(), $"{query}: {resolver} answered {Rcode(code)}"));
        }
        else
        {
            if (spec.Contains.Count == 0 && spec.EqualsSet is null)
            {
                results.Add(new AssertionResult("at least one answer", answers.Count > 0, false, shown, answers.Count > 0 ? null : $"{query}: no {spec.RecordType} records"));
            }

            foreach (var expected in spec.Contains)
            {
                var normalized = Normalize(expected, spec.RecordType);
                var found = answers.Contains(normalized, StringComparer.Ordinal);
                results.Add(new AssertionResult($"answers contain {normalized}", found, false, shown, found ? null : $"{query}: answers ({shown}) do not contain {normalized}"));
            }

            if (spec.EqualsSet is { } set)
            {
                var wanted = set.Select(e => Normalize(e, spec.RecordType)).Distinct().Order(StringComparer.Ordinal).ToList();
                var got = answers.Distinct().Order(StringComparer.Ordinal).ToList();
                var same = wanted.SequenceEqual(got, StringComparer.Ordinal);
                results.Add(new AssertionResult($"answers are {string.Join(", ", wanted)}", same, false, shown, same ? null : $"{query}: answers were {shown}, expected exactly {string.Join(", ", wanted)}"));
            }
        }

        attempt.Assertions.AddRange(results);
        return AttemptOutcome.Judge(results, () => answers.Count == 0 ? null : shown);
    }

    private static string Rcode(DnsHeaderResponseCode code) => code switch
    {
        DnsHeaderResponseCode.NotExistentDomain => "NXDOMAIN",
        DnsHeaderResponseCode.ServerFailure => "SERVFAIL",
        DnsHeaderResponseCode.Refused => "REFUSED",
        DnsHeaderResponseCode.NoError => "NOERROR",
        _ => code.ToString().ToUpperInvariant(),
    };

    private static QueryType Type(DnsRecordType type) => type switch
    {
        DnsRecordType.A => QueryType.A,
        DnsRecordType.AAAA => QueryType.AAAA,
        DnsRecordType.CNAME => QueryType.CNAME,
        DnsRecordType.MX => QueryType.MX,
        DnsRecordType.TXT => QueryType.TXT,
        DnsRecordType.NS => QueryType.NS,
        _ => QueryType.SRV,
    };

    private static bool Matches(DnsResourceRecord record, DnsRecordType type) => (type, record) switch
    {
        (DnsRecordType.A, ARecord) or (DnsRecordType.AAAA, AaaaRecord) or (DnsRecordType.CNAME, CNameRecord) or (DnsRecordType.MX, MxRecord)
            or (DnsRecordType.TXT, TxtRecord) or (DnsRecordType.NS, NsRecord) or (DnsRecordType.SRV, SrvRecord) => true,
        _ => false,
    };

    private static string Format(DnsResourceRecord record) => record switch
    {
        ARecord a => a.Address.ToString(),
        AaaaRecord a => a.Address.ToString(),
        CNameRecord c => Name(c.CanonicalName.Value),
        MxRecord m => $"{m.Preference.ToString(CultureInfo.InvariantCulture)} {Name(m.Exchange.Value)}",
        TxtRecord t => string.Concat(t.Text),
        NsRecord n => Name(n.NSDName.Value),
        SrvRecord s => $"{s.Priority.ToString(CultureInfo.InvariantCulture)} {s.Weight.ToString(CultureInfo.InvariantCulture)} {s.Port.ToString(CultureInfo.InvariantCulture)} {Name(s.Target.Value)}",
        _ => record.ToString(),
    };

    /// <summary>An expected answer as the runner formats answers: addresses canonical, names lower case without the final dot.</summary>
    public static string Normalize(string expected, DnsRecordType type) => type switch
    {
        DnsRecordType.A or DnsRecordType.AAAA => IPAddress.TryParse(expected, out var address) ? address.ToString() : expected,
        DnsRecordType.TXT => expected,
        _ => string.Join(' ', expected.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Name)),
    };

    private static string Name(string name) => name.TrimEnd('.').ToLowerInvariant();
}
