using System.Text.RegularExpressions;

namespace Vigil.Core.Checks;

/// <summary>What an assertion looks at.</summary>
public enum AssertionSubject
{
    /// <summary>The HTTP status code.</summary>
    Status,

    /// <summary>A response header, by name.</summary>
    Header,

    /// <summary>The response body as text.</summary>
    Body,

    /// <summary>Values selected from the JSON body by a JSON path.</summary>
    JsonPath,

    /// <summary>How long the request took, in milliseconds.</summary>
    ResponseTime,

    /// <summary>Whole days until the server certificate expires (HTTPS only).</summary>
    TlsDaysUntilExpiry,
}

/// <summary>How an assertion compares.</summary>
public enum AssertionOperator
{
    /// <summary>Equal to the one expected value.</summary>
    Equals,

    /// <summary>Not equal to the one expected value.</summary>
    NotEquals,

    /// <summary>Equal to one of the expected values.</summary>
    In,

    /// <summary>Between the two expected values, both included.</summary>
    Range,

    /// <summary>Present.</summary>
    Exists,

    /// <summary>Absent.</summary>
    NotExists,

    /// <summary>Contains the expected text (or, for a JSON array, an element equal to it).</summary>
    Contains,

    /// <summary>Does not contain the expected text.</summary>
    NotContains,

    /// <summary>Matches the regular expression.</summary>
    Matches,

    /// <summary>Does not match the regular expression.</summary>
    NotMatches,

    /// <summary>A number below the expected one.</summary>
    LessThan,

    /// <summary>A number above the expected one.</summary>
    GreaterThan,
}

/// <summary>
/// One assertion on a response. <see cref="Values"/> holds the expected values as written (for
/// <see cref="AssertionSubject.ResponseTime"/>, milliseconds).
/// </summary>
/// <param name="Subject">What is looked at.</param>
/// <param name="Operator">How it is compared.</param>
/// <param name="Name">The header name or the JSON path text, else null.</param>
/// <param name="Values">The expected values (none for exists / notExists).</param>
/// <param name="Soft">A failing soft assertion makes the run Degraded instead of Failed.</param>
public sealed record CheckAssertion(AssertionSubject Subject, AssertionOperator Operator, string? Name, IReadOnlyList<string> Values, bool Soft)
{
    /// <summary>The compiled regular expression of matches / notMatches.</summary>
    public Regex? Pattern { get; init; }

    /// <summary>The compiled JSON path of a <see cref="AssertionSubject.JsonPath"/> assertion.</summary>
    public JsonPath? Path { get; init; }
}

/// <summary>TLS settings of a client connection.</summary>
/// <param name="InsecureSkipVerify">Accept any certificate (chain and host name are not checked).</param>
/// <param name="CaFile">A PEM file of CA certificates to trust instead of the system store, or null.</param>
/// <param name="ServerName">The name sent as SNI and checked against the certificate, or null for the URL's host.</param>
public sealed record TlsClientOptions(bool InsecureSkipVerify, string? CaFile, string? ServerName)
{
    /// <summary>Verify against the system store and the URL's host.</summary>
    public static TlsClientOptions Default { get; } = new(false, null, null);
}

/// <summary>HTTP authentication; values may reference secrets (<c>${env:NAME}</c>).</summary>
/// <param name="Username">Basic auth user, or null.</param>
/// <param name="Password">Basic auth password, or null.</param>
/// <param name="BearerToken">Bearer token, or null.</param>
public sealed record HttpAuth(string? Username, string? Password, string? BearerToken);

/// <summary>
/// One HTTP(S) request with assertions (a <c>type: http</c> check, or one step of a flow). String values may hold
/// <c>${env:NAME}</c> secret references, and in flows <c>{{variable}}</c> placeholders.
/// </summary>
/// <param name="Url">The absolute http or https URL.</param>
/// <param name="Method">The method, upper case.</param>
/// <param name="Headers">Request headers in order.</param>
/// <param name="Body">The request body, or null.</param>
/// <param name="Auth">Authentication, or null.</param>
/// <param name="FollowRedirects">Follow 3xx responses with a Location.</param>
/// <param name="MaxRedirects">The most redirects followed.</param>
/// <param name="Tls">TLS settings for https.</param>
/// <param name="Assertions">Assertions on the final response; without a status assertion a 2xx status is required.</param>
public sealed record HttpCheckSpec(
    string Url,
    string Method,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string? Body,
    HttpAuth? Auth,
    bool FollowRedirects,
    int MaxRedirects,
    TlsClientOptions Tls,
    IReadOnlyList<CheckAssertion> Assertions) : CheckSpec;

/// <summary>A TCP connect, optionally sending text and expecting a reply.</summary>
/// <param name="Host">Host name or address.</param>
/// <param name="Port">Port.</param>
/// <param name="Send">Text sent after connecting (may reference secrets), or null.</param>
/// <param name="Expect">Text the reply must contain, or null.</param>
/// <param name="ExpectPattern">A regular expression the reply must match, or null.</param>
public sealed record TcpCheckSpec(string Host, int Port, string? Send, string? Expect, Regex? ExpectPattern) : CheckSpec;

/// <summary>DNS record types a check can query.</summary>
public enum DnsRecordType
{
    /// <summary>IPv4 address.</summary>
    A,

    /// <summary>IPv6 address.</summary>
    AAAA,

    /// <summary>Canonical name.</summary>
    CNAME,

    /// <summary>Mail exchange (<c>preference host</c>).</summary>
    MX,

    /// <summary>Text (strings of one record joined).</summary>
    TXT,

    /// <summary>Name server.</summary>
    NS,

    /// <summary>Service (<c>priority weight port target</c>).</summary>
    SRV,
}

/// <summary>A DNS query against a resolver, with expected answers.</summary>
/// <param name="Name">The name queried.</param>
/// <param name="RecordType">The record type.</param>
/// <param name="ResolverHost">The resolver's host or address, or null for the system's resolvers.</param>
/// <param name="ResolverPort">The resolver's port (53 by default).</param>
/// <param name="Contains">Answers that must all be present (others may be too).</param>
/// <param name="EqualsSet">When not null, the answers must be exactly this set.</param>
/// <param name="ExpectNxDomain">The name must not exist (NXDOMAIN).</param>
public sealed record DnsCheckSpec(string Name, DnsRecordType RecordType, string? ResolverHost, int ResolverPort, IReadOnlyList<string> Contains, IReadOnlyList<string>? EqualsSet, bool ExpectNxDomain) : CheckSpec;

/// <summary>A TLS handshake judging the server certificate.</summary>
/// <param name="Host">Host name or address to connect to.</param>
/// <param name="Port">Port (443 by default).</param>
/// <param name="ServerName">SNI and the name the certificate must match, or null for <paramref name="Host"/>.</param>
/// <param name="MinDaysUntilExpiry">Fewer days left than this fails.</param>
/// <param name="WarnDaysUntilExpiry">Fewer days left than this is Degraded.</param>
/// <param name="RequireValidChain">The chain must build to a trusted root.</param>
/// <param name="RequireHostnameMatch">The certificate must be for the server name.</param>
/// <param name="CaFile">A PEM file of CA certificates to trust instead of the system store, or null.</param>
public sealed record TlsCheckSpec(string Host, int Port, string? ServerName, int MinDaysUntilExpiry, int WarnDaysUntilExpiry, bool RequireValidChain, bool RequireHostnameMatch, string? CaFile) : CheckSpec;

/// <summary>The gRPC health checking protocol: <c>grpc.health.v1.Health/Check</c> must answer SERVING.</summary>
/// <param name="Address">host:port.</param>
/// <param name="Service">The service name asked about (empty for the server as a whole).</param>
/// <param name="Tls">Use TLS.</param>
/// <param name="InsecureSkipVerify">With TLS, accept any certificate.</param>
public sealed record GrpcCheckSpec(string Address, string Service, bool Tls, bool InsecureSkipVerify) : CheckSpec;

/// <summary>Where a flow step extracts a value from.</summary>
public enum ExtractionSource
{
    /// <summary>The first value a JSON path selects in the body.</summary>
    JsonPath,

    /// <summary>A response header.</summary>
    Header,

    /// <summary>A group of a regular expression matched against the body.</summary>
    Regex,
}

/// <summary>A value taken from a step's response into a flow variable.</summary>
/// <param name="Variable">The variable set.</param>
/// <param name="Source">Where from.</param>
/// <param name="Expression">The JSON path, header name or regular expression.</param>
/// <param name="Group">The regex group (1 by default).</param>
public sealed record FlowExtraction(string Variable, ExtractionSource Source, string Expression, int Group)
{
    /// <summary>
    /// Whether the extracted value is masked (<c>***</c>) in everything the run reports: true or false when the document
    /// says so, otherwise decided per value by <see cref="FlowSecrets.IsSecret"/> (a secret-sounding variable name such as
    /// <c>token</c>, or a secret-shaped value such as a JWT).
    /// </summary>
    public bool? Secret { get; init; }

    /// <summary>The compiled JSON path of a JSON path extraction.</summary>
    public JsonPath? Path { get; init; }

    /// <summary>The compiled regular expression of a regex extraction.</summary>
    public Regex? Pattern { get; init; }
}

/// <summary>One step of a flow: an HTTP request with assertions and extractions.</summary>
/// <param name="Name">The step name.</param>
/// <param name="Request">The request and its assertions (<c>{{variable}}</c> placeholders in url, headers and body).</param>
/// <param name="Extract">Values taken into variables after the step.</param>
public sealed record FlowStep(string Name, HttpCheckSpec Request, IReadOnlyList<FlowExtraction> Extract);

/// <summary>A multi-step API flow. Setup, then steps in order; after a hard failure later steps are skipped; teardown always runs.</summary>
/// <param name="Variables">Initial variables (values may reference secrets).</param>
/// <param name="Setup">Steps run first.</param>
/// <param name="Steps">The steps.</param>
/// <param name="Teardown">Steps run last, even after a failure.</param>
public sealed record FlowCheckSpec(IReadOnlyDictionary<string, string> Variables, IReadOnlyList<FlowStep> Setup, IReadOnlyList<FlowStep> Steps, IReadOnlyList<FlowStep> Teardown) : CheckSpec;
