using System.Globalization;
using System.Text.RegularExpressions;

namespace Vigil.Core.Drift.Sources;

/// <summary>
/// Runtime facts read from files under the root (nothing is executed, so a mounted or planted tree works like a live
/// host). Keys (kind in brackets):
/// <list type="bullet">
/// <item><c>os</c> [os]: <c>ID VERSION_ID</c> of <c>etc/os-release</c> (<c>debian 12</c>); <c>kernel</c> [kernel]:
/// <c>proc/sys/kernel/osrelease</c>, else the third word of <c>proc/version</c>.</item>
/// <item>[runtime] <c>dotnet:&lt;framework&gt;</c> (<c>dotnet:Microsoft.NETCore.App</c>) from
/// <c>usr/share/dotnet</c>, <c>usr/lib/dotnet</c>, <c>opt/dotnet</c>, <c>usr/local/share/dotnet</c> <c>shared/&lt;framework&gt;/&lt;version&gt;</c>;
/// <c>java</c> from each JVM's <c>release</c> file (<c>JAVA_VERSION</c>) under <c>usr/lib/jvm</c>, <c>opt/java</c>,
/// <c>usr/java</c>, <c>usr/local/openjdk-*</c> and <c>$JAVA_HOME</c>; <c>node</c> from <c>usr/local/include/node/node_version.h</c>
/// or <c>usr/include/node/node_version.h</c> (official images), else Debian's <c>nodejs</c> package in
/// <c>var/lib/dpkg/status</c> (Debian does not ship the header without libnode-dev); <c>python</c> from
/// <c>usr/local/include/python3.X/patchlevel.h</c>, else the <c>usr/lib/python3.X</c> and <c>usr/local/lib/python3.X</c>
/// folders holding <c>os.py</c>; <c>openssl</c> from the package database (dpkg or apk). Several versions are listed
/// sorted, comma-separated.</item>
/// <item>[crypto] <c>openssl:MinProtocol</c>, <c>openssl:MaxProtocol</c>, <c>openssl:CipherString</c>,
/// <c>openssl:Ciphersuites</c>, <c>openssl:SecurityLevel</c> (the <c>@SECLEVEL</c> of the cipher string) from the
/// system default section of <c>etc/ssl/openssl.cnf</c> (or <c>usr/lib/ssl</c>, <c>etc/pki/tls</c>), following
/// <c>.include</c>; <c>crypto-policy</c> from <c>etc/crypto-policies/config</c>; per JVM of major version N,
/// <c>java:N:crypto.policy</c>, <c>java:N:jdk.tls.disabledAlgorithms</c>, <c>java:N:jdk.certpath.disabledAlgorithms</c>
/// (algorithm lists sorted) from its <c>java.security</c>, and <c>java:N:cacerts</c>: the number of entries of its
/// <c>cacerts</c> (JKS, JCEKS or PKCS#12; links followed inside the root, else <c>etc/ssl/certs/java/cacerts</c>).</item>
/// <item><c>timezone</c> [timezone] from <c>TZ</c>, <c>etc/timezone</c> or the <c>etc/localtime</c> link;
/// <c>locale</c> [locale] from <c>LC_ALL</c>, <c>LANG</c>, <c>etc/default/locale</c> or <c>etc/locale.conf</c>;
/// <c>cpu.max</c> (CPUs, or <c>unlimited</c>) and <c>memory.max</c> (bytes, or <c>unlimited</c>) [limit] from cgroup v2
/// <c>sys/fs/cgroup</c>, else cgroup v1.</item>
/// </list>
/// A fact that cannot be read becomes an unreadable item under its key; a fact that is absent is not recorded.
/// </summary>
public sealed partial class RuntimeSource : ISnapshotSource
{
    private const long MaxTextBytes = 1024 * 1024;
    private const long MaxStatusBytes = 64 * 1024 * 1024;
    private const long MaxKeyStoreBytes = 16 * 1024 * 1024;

    /// <inheritdoc />
    public string Name => DriftCategories.Runtime;

    /// <inheritdoc />
    public Task CollectAsync(SnapshotContext context, ICollection<SnapshotItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(items);
        var root = context.Root;
        var facts = new Facts(context, items);
        facts.Try("os", DriftItemKinds.Os, () => Os(root));
        facts.Try("kernel", DriftItemKinds.Kernel, () => Kernel(root));
        Dotnet(facts, root);
        Java(facts, context);
        facts.Try("node", DriftItemKinds.RuntimeVersion, () => Node(root));
        facts.Try("python", DriftItemKinds.RuntimeVersion, () => Python(root));
        facts.Try("openssl", DriftItemKinds.RuntimeVersion, () => PackageVersion(root, "openssl"));
        OpenSsl(facts, root);
        facts.Try("crypto-policy", DriftItemKinds.Crypto, () => ReadOptional(root, "etc/crypto-policies/config") is { } policy
            ? (policy.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith('#')), "etc/crypto-policies/config")
            : (null, null));
        facts.Try("timezone", DriftItemKinds.TimeZone, () => TimeZone(context));
        facts.Try("locale", DriftItemKinds.Locale, () => Locale(context));
        facts.Try("cpu.max", DriftItemKinds.Limit, () => CpuLimit(root));
        facts.Try("memory.max", DriftItemKinds.Limit, () => MemoryLimit(root));
        cancellationToken.ThrowIfCancellationRequested();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Counts the entries of a Java key store: JKS and JCEKS from their header (magic, version, count), PKCS#12 by loading
    /// it without a password, then with <c>changeit</c>, then with an empty one.
    /// </summary>
    /// <exception cref="SourceReadException">Not a key store, or a PKCS#12 store none of those passwords opens.</exception>
    public static int CountKeyStoreEntries(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length >= 12 && (Magic(data) == 0xFEEDFEED || Magic(data) == 0xCECECECE))
        {
            var version = ReadInt32(data, 4);
            var count = ReadInt32(data, 8);
            if (version is < 1 or > 2 || count < 0)
            {
                throw new SourceReadException("the JKS header is damaged");
            }

            return count;
        }

        if (data.Length > 0 && data[0] == 0x30)
        {
            foreach (var password in new[] { null, "changeit", "" })
            {
                try
                {
                    var collection = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12Collection(
                        data, password, System.Security.Cryptography.X509Certificates.X509KeyStorageFlags.EphemeralKeySet);
                    var count = collection.Count;
                    foreach (var certificate in collection)
                    {
                        certificate.Dispose();
                    }

                    return count;
                }
                catch (System.Security.Cryptography.CryptographicException)
                {
                    // Try the next usual password.
                }
            }

            throw new SourceReadException("a PKCS#12 key store that opens with no password, 'changeit' or an empty one");
        }

        throw new SourceReadException("not a JKS, JCEKS or PKCS#12 key store");

        static uint Magic(byte[] d) => (uint)ReadInt32(d, 0);
        static int ReadInt32(byte[] d, int at) => (d[at] << 24) | (d[at + 1] << 16) | (d[at + 2] << 8) | d[at + 3];
    }

    /// <summary>
    /// Reads an OpenSSL configuration (sections, <c>key = value</c>, <c>.include</c> of files or folders, inside the root)
    /// and answers the system default section's settings: MinProtocol, MaxProtocol, CipherString, Ciphersuites.
    /// </summary>
    public static IReadOnlyDictionary<string, string> OpenSslSystemDefaults(string root, string relative)
    {
        var sections = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var visited = new HashSet<string>(StringComparer.Ordinal);
        Load(relative, "default", 0);

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var init = Value("default", "openssl_conf");
        var sslSection = init is null ? null : Value(init, "ssl_conf");
        var systemSection = sslSection is null ? null : Value(sslSection, "system_default");
        if (systemSection is null || !sections.TryGetValue(systemSection, out var settings))
        {
            return result;
        }

        foreach (var name in new[] { "MinProtocol", "MaxProtocol", "CipherString", "Ciphersuites" })
        {
            if (settings.TryGetValue(name, out var value))
            {
                result[name] = value;
            }
        }

        return result;

        string? Value(string section, string key) =>
            sections.TryGetValue(section, out var s) && s.TryGetValue(key, out var v) ? v : null;

        void Load(string file, string section, int depth)
        {
            if (depth > 8 || !visited.Add(file) || visited.Count > 64)
            {
                return;
            }

            var text = SourceFiles.ReadText(root, file, MaxTextBytes);
            foreach (var raw in text.ReplaceLineEndings("\n").Split('\n'))
            {
                var line = StripComment(raw).Trim();
                if (line.Length == 0)
                {
                    continue;
                }

                if (line.StartsWith(".include", StringComparison.Ordinal))
                {
                    var target = line[8..].TrimStart(' ', '\t', '=').Trim().Trim('"');
                    var resolved = target.StartsWith('/') ? target.TrimStart('/') : SourceFiles.ParentOf(file) + "/" + target;
                    if (SourceFiles.DirectoryExists(root, resolved))
                    {
                        foreach (var included in Directory.EnumerateFiles(SourceFiles.HostPath(root, resolved), "*.cnf").Order(StringComparer.Ordinal))
                        {
                            Load(resolved.TrimEnd('/') + "/" + Path.GetFileName(included), section, depth + 1);
                        }
                    }
                    else if (SourceFiles.FileExists(root, resolved))
                    {
                        Load(SourceFiles.Normalize(resolved) ?? resolved, section, depth + 1);
                    }

                    continue;
                }

                if (line.StartsWith('[') && line.EndsWith(']'))
                {
                    section = line[1..^1].Trim();
                    continue;
                }

                var equals = line.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    continue;
                }

                if (!sections.TryGetValue(section, out var entries))
                {
                    sections[section] = entries = new Dictionary<string, string>(StringComparer.Ordinal);
                }

                entries[line[..equals].Trim()] = line[(equals + 1)..].Trim().Trim('"');
            }
        }

        static string StripComment(string line)
        {
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            return hash < 0 ? line : line[..hash];
        }
    }

    private static (string?, string?) Os(string root)
    {
        foreach (var file in new[] { "etc/os-release", "usr/lib/os-release" })
        {
            if (ReadOptional(root, file) is { } text)
            {
                var fields = KeyValues(text);
                var id = fields.GetValueOrDefault("ID");
                var version = fields.GetValueOrDefault("VERSION_ID");
                var value = id is not null ? (version is null ? id : id + " " + version) : fields.GetValueOrDefault("PRETTY_NAME");
                return (value, file);
            }
        }

        return (null, null);
    }

    private static (string?, string?) Kernel(string root)
    {
        if (ReadOptional(root, "proc/sys/kernel/osrelease") is { } release && release.Trim().Length > 0)
        {
            return (release.Trim(), "proc/sys/kernel/osrelease");
        }

        if (ReadOptional(root, "proc/version") is { } version)
        {
            var words = version.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return (words.Length >= 3 ? words[2] : version.Trim(), "proc/version");
        }

        return (null, null);
    }

    private static void Dotnet(Facts facts, string root)
    {
        var frameworks = new SortedDictionary<string, (SortedSet<string> Versions, string Source)>(StringComparer.Ordinal);
        foreach (var home in new[] { "usr/share/dotnet", "usr/lib/dotnet", "opt/dotnet", "usr/local/share/dotnet" })
        {
            var shared = SourceFiles.HostPath(root, home + "/shared");
            if (!Directory.Exists(shared))
            {
                continue;
            }

            try
            {
                foreach (var framework in Directory.EnumerateDirectories(shared))
                {
                    var name = Path.GetFileName(framework);
                    foreach (var version in Directory.EnumerateDirectories(framework).Select(Path.GetFileName))
                    {
                        if (version is not null && char.IsAsciiDigit(version[0]))
                        {
                            if (!frameworks.TryGetValue(name, out var entry))
                            {
                                frameworks[name] = entry = (new SortedSet<string>(VersionComparer.Instance), home + "/shared/" + name);
                            }

                            entry.Versions.Add(version);
                        }
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                facts.Unreadable("dotnet", home + "/shared", e);
            }
        }

        foreach (var (name, (versions, source)) in frameworks)
        {
            facts.Add("dotnet:" + name, DriftItemKinds.RuntimeVersion, string.Join(", ", versions), source);
        }
    }

    private static void Java(Facts facts, SnapshotContext context)
    {
        var root = context.Root;
        var homes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var parent in new[] { "usr/lib/jvm", "opt/java", "usr/java", "usr/local" })
        {
            var full = SourceFiles.HostPath(root, parent);
            if (!Directory.Exists(full))
            {
                continue;
            }

            foreach (var directory in new DirectoryInfo(full).EnumerateDirectories())
            {
                // Links such as default-java point at a JVM listed anyway.
                if (directory.LinkTarget is null && (parent != "usr/local" || directory.Name.Contains("jdk", StringComparison.OrdinalIgnoreCase)) &&
                    SourceFiles.FileExists(root, parent + "/" + directory.Name + "/release"))
                {
                    homes.Add(parent + "/" + directory.Name);
                }
            }
        }

        if (context.Variables.TryGetValue("JAVA_HOME", out var javaHome) && SourceFiles.Normalize(javaHome) is { Length: > 0 } home &&
            SourceFiles.FileExists(root, home + "/release") && !homes.Any(h => SourceFiles.ResolveLinks(root, home) == h))
        {
            homes.Add(home);
        }

        var versions = new SortedSet<string>(VersionComparer.Instance);
        var majors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var jvm in homes)
        {
            string? version;
            try
            {
                version = KeyValues(SourceFiles.ReadText(root, jvm + "/release", MaxTextBytes)).GetValueOrDefault("JAVA_VERSION");
            }
            catch (SourceReadException e)
            {
                facts.Unreadable("java:" + jvm[(jvm.LastIndexOf('/') + 1)..], jvm + "/release", e);
                continue;
            }

            if (version is null)
            {
                continue;
            }

            versions.Add(version);
            var major = JavaMajor(version);
            var prefix = majors.Add(major) ? "java:" + major : "java:" + major + ":" + jvm[(jvm.LastIndexOf('/') + 1)..];
            JavaSecurity(facts, root, jvm, prefix);
            facts.Try(prefix + ":cacerts", DriftItemKinds.Crypto, () =>
            {
                var store = new[] { jvm + "/lib/security/cacerts", jvm + "/jre/lib/security/cacerts", "etc/ssl/certs/java/cacerts" }
                    .Where(f => SourceFiles.FileExists(root, f))
                    .Select(f => SourceFiles.ResolveLinks(root, f))
                    .FirstOrDefault();
                return store is null
                    ? (null, null)
                    : (CountKeyStoreEntries(SourceFiles.ReadBytes(root, store, MaxKeyStoreBytes)).ToString(CultureInfo.InvariantCulture), store);
            });
        }

        if (versions.Count > 0)
        {
            facts.Add("java", DriftItemKinds.RuntimeVersion, string.Join(", ", versions), homes.Count == 1 ? homes.Min + "/release" : "usr/lib/jvm");
        }
    }

    private static void JavaSecurity(Facts facts, string root, string jvm, string prefix)
    {
        var file = new[] { jvm + "/conf/security/java.security", jvm + "/jre/lib/security/java.security", jvm + "/lib/security/java.security" }
            .FirstOrDefault(f => SourceFiles.FileExists(root, f));
        if (file is null)
        {
            return;
        }

        List<KeyValuePair<string, string>> properties;
        try
        {
            properties = ConfigFormats.ParseProperties(SourceFiles.ReadText(root, file, MaxTextBytes));
        }
        catch (SourceReadException e)
        {
            facts.Unreadable(prefix + ":java.security", file, e);
            return;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in properties)
        {
            values[key] = value;
        }

        if (values.TryGetValue("crypto.policy", out var policy))
        {
            facts.Add(prefix + ":crypto.policy", DriftItemKinds.Crypto, policy.Trim(), file);
        }

        foreach (var list in new[] { "jdk.tls.disabledAlgorithms", "jdk.certpath.disabledAlgorithms" })
        {
            if (values.TryGetValue(list, out var algorithms))
            {
                var normalised = algorithms.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(a => Whitespace().Replace(a, " "))
                    .Order(StringComparer.Ordinal);
                facts.Add(prefix + ":" + list, DriftItemKinds.Crypto, string.Join(", ", normalised), file);
            }
        }
    }

    private static string JavaMajor(string version)
    {
        var parts = version.Split('.', '_', '-', '+');
        return parts.Length > 1 && parts[0] == "1" ? parts[1] : parts[0];
    }

    private static (string?, string?) Node(string root)
    {
        foreach (var header in new[] { "usr/local/include/node/node_version.h", "usr/include/node/node_version.h" })
        {
            if (ReadOptional(root, header) is { } text)
            {
                var major = Define(text, "NODE_MAJOR_VERSION");
                var minor = Define(text, "NODE_MINOR_VERSION");
                var patch = Define(text, "NODE_PATCH_VERSION");
                if (major is not null)
                {
                    return ($"{major}.{minor ?? "0"}.{patch ?? "0"}", header);
                }
            }
        }

        return PackageVersion(root, "nodejs");
    }

    private static (string?, string?) Python(string root)
    {
        // major.minor → the most precise version known: patchlevel.h of official images, else the library folder's name.
        var found = new SortedDictionary<string, string>(VersionComparer.Instance);
        string? source = null;
        foreach (var parent in new[] { "usr/local/include", "usr/local/lib", "usr/lib" })
        {
            var full = SourceFiles.HostPath(root, parent);
            if (!Directory.Exists(full))
            {
                continue;
            }

            foreach (var name in Directory.EnumerateDirectories(full, "python3.*").Select(Path.GetFileName).Order(StringComparer.Ordinal))
            {
                if (name is null || !PythonFolder().IsMatch(name))
                {
                    continue;
                }

                var minor = name[6..];
                if (parent.EndsWith("include", StringComparison.Ordinal))
                {
                    if (ReadOptional(root, parent + "/" + name + "/patchlevel.h") is { } patchlevel && PyVersion().Match(patchlevel) is { Success: true } match)
                    {
                        found[minor] = match.Groups[1].Value;
                        source ??= parent + "/" + name + "/patchlevel.h";
                    }
                }
                else if (File.Exists(Path.Combine(full, name, "os.py")) && found.TryAdd(minor, minor))
                {
                    source ??= parent + "/" + name;
                }
            }
        }

        return found.Count == 0 ? (null, null) : (string.Join(", ", found.Values), source);
    }

    private static void OpenSsl(Facts facts, string root)
    {
        var file = new[] { "etc/ssl/openssl.cnf", "usr/lib/ssl/openssl.cnf", "etc/pki/tls/openssl.cnf" }.FirstOrDefault(f => SourceFiles.FileExists(root, f));
        if (file is null)
        {
            return;
        }

        IReadOnlyDictionary<string, string> defaults;
        try
        {
            defaults = OpenSslSystemDefaults(root, file);
        }
        catch (SourceReadException e)
        {
            facts.Unreadable("openssl:config", file, e);
            return;
        }

        foreach (var (name, value) in defaults)
        {
            facts.Add("openssl:" + name, DriftItemKinds.Crypto, value, file);
        }

        if (defaults.TryGetValue("CipherString", out var ciphers) && SecLevel().Match(ciphers) is { Success: true } level)
        {
            facts.Add("openssl:SecurityLevel", DriftItemKinds.Crypto, level.Groups[1].Value, file);
        }
    }

    private static (string?, string?) TimeZone(SnapshotContext context)
    {
        if (context.Variables.TryGetValue("TZ", out var tz) && !string.IsNullOrWhiteSpace(tz))
        {
            return (tz.Trim().TrimStart(':'), "$TZ");
        }

        if (ReadOptional(context.Root, "etc/timezone") is { } text && text.Trim().Length > 0)
        {
            return (text.Trim(), "etc/timezone");
        }

        if (SourceFiles.LinkTarget(context.Root, "etc/localtime") is { } target)
        {
            var marker = target.IndexOf("zoneinfo/", StringComparison.Ordinal);
            return (marker >= 0 ? target[(marker + 9)..] : target, "etc/localtime");
        }

        return (null, null);
    }

    private static (string?, string?) Locale(SnapshotContext context)
    {
        foreach (var name in new[] { "LC_ALL", "LANG" })
        {
            if (context.Variables.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value))
            {
                return (value.Trim(), "$" + name);
            }
        }

        foreach (var file in new[] { "etc/default/locale", "etc/locale.conf" })
        {
            if (ReadOptional(context.Root, file) is { } text)
            {
                var fields = KeyValues(text);
                if ((fields.GetValueOrDefault("LC_ALL") ?? fields.GetValueOrDefault("LANG")) is { } value)
                {
                    return (value, file);
                }
            }
        }

        return (null, null);
    }

    private static (string?, string?) CpuLimit(string root)
    {
        if (ReadOptional(root, "sys/fs/cgroup/cpu.max") is { } text)
        {
            var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return (parts.Length == 0 || parts[0] == "max" ? "unlimited" : Cpus(parts[0], parts.Length > 1 ? parts[1] : "100000"), "sys/fs/cgroup/cpu.max");
        }

        if (ReadOptional(root, "sys/fs/cgroup/cpu/cpu.cfs_quota_us") is { } quota)
        {
            var period = ReadOptional(root, "sys/fs/cgroup/cpu/cpu.cfs_period_us")?.Trim() ?? "100000";
            return (quota.Trim() == "-1" ? "unlimited" : Cpus(quota.Trim(), period), "sys/fs/cgroup/cpu/cpu.cfs_quota_us");
        }

        return (null, null);

        static string Cpus(string quota, string period) =>
            decimal.TryParse(quota, NumberStyles.Integer, CultureInfo.InvariantCulture, out var q) &&
            decimal.TryParse(period, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) && p > 0
                ? Math.Round(q / p, 3).ToString("G29", CultureInfo.InvariantCulture)
                : quota + "/" + period;
    }

    private static (string?, string?) MemoryLimit(string root)
    {
        foreach (var file in new[] { "sys/fs/cgroup/memory.max", "sys/fs/cgroup/memory/memory.limit_in_bytes" })
        {
            if (ReadOptional(root, file) is { } text)
            {
                var value = text.Trim();
                // cgroup v1 writes "no limit" as a page-rounded maximum near 2^63.
                var unlimited = value == "max" || (long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var bytes) && bytes >= 1L << 60);
                return (unlimited ? "unlimited" : value, file);
            }
        }

        return (null, null);
    }

    private static (string?, string?) PackageVersion(string root, string package)
    {
        if (ReadOptional(root, "var/lib/dpkg/status", MaxStatusBytes) is { } status)
        {
            foreach (var stanza in status.ReplaceLineEndings("\n").Split("\n\n"))
            {
                var fields = stanza.Split('\n');
                if (fields.Contains("Package: " + package, StringComparer.Ordinal) &&
                    fields.Any(f => f.StartsWith("Status:", StringComparison.Ordinal) && f.EndsWith(" installed", StringComparison.Ordinal)))
                {
                    var version = fields.FirstOrDefault(f => f.StartsWith("Version: ", StringComparison.Ordinal))?[9..].Trim();
                    return version is null ? (null, null) : (UpstreamVersion(version), "var/lib/dpkg/status");
                }
            }
        }

        if (ReadOptional(root, "lib/apk/db/installed", MaxStatusBytes) is { } installed)
        {
            foreach (var stanza in installed.ReplaceLineEndings("\n").Split("\n\n"))
            {
                var fields = stanza.Split('\n');
                if (fields.Contains("P:" + package, StringComparer.Ordinal))
                {
                    var version = fields.FirstOrDefault(f => f.StartsWith("V:", StringComparison.Ordinal))?[2..].Trim();
                    return version is null ? (null, null) : (UpstreamVersion(version), "lib/apk/db/installed");
                }
            }
        }

        return (null, null);
    }

    // 18.19.0+dfsg-6~deb12u1 → 18.19.0; 1:3.0.11-1 → 3.0.11; 3.1.4-r5 → 3.1.4.
    private static string UpstreamVersion(string version)
    {
        var colon = version.IndexOf(':', StringComparison.Ordinal);
        var text = colon >= 0 ? version[(colon + 1)..] : version;
        var end = text.IndexOfAny(['+', '-', '~']);
        return end > 0 ? text[..end] : text;
    }

    private static string? Define(string header, string name) =>
        Regex.Match(header, @"#define\s+" + name + @"\s+(\d+)", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)) is { Success: true } m ? m.Groups[1].Value : null;

    private static Dictionary<string, string> KeyValues(string text)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = raw.Trim();
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (line.StartsWith('#') || equals <= 0)
            {
                continue;
            }

            fields[line[..equals].Trim()] = line[(equals + 1)..].Trim().Trim('"', '\'');
        }

        return fields;
    }

    private static string? ReadOptional(string root, string relative, long maxBytes = MaxTextBytes) =>
        SourceFiles.FileExists(root, relative) ? SourceFiles.ReadText(root, relative, maxBytes) : null;

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"@SECLEVEL=(\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex SecLevel();

    [GeneratedRegex(@"^python3\.\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex PythonFolder();

    [GeneratedRegex(@"#define\s+PY_VERSION\s+""([0-9][^""]*)""", RegexOptions.CultureInvariant)]
    private static partial Regex PyVersion();

    /// <summary>Adds facts, turning a failure into an unreadable item under the fact's key.</summary>
    private sealed class Facts(SnapshotContext context, ICollection<SnapshotItem> items)
    {
        public void Try(string key, string kind, Func<(string? Value, string? Source)> read)
        {
            try
            {
                var (value, source) = read();
                if (value is not null)
                {
                    Add(key, kind, value, source ?? key);
                }
            }
            catch (Exception e) when (e is SourceReadException or IOException or UnauthorizedAccessException)
            {
                Unreadable(key, key, e);
            }
        }

        public void Add(string key, string kind, string value, string source) =>
            items.Add(new SnapshotItem(DriftCategories.Runtime, kind, key, value, context.Secrets.Redact(source)));

        public void Unreadable(string key, string source, Exception e) =>
            items.Add(SourceFiles.Unreadable(DriftCategories.Runtime, key, context.Secrets.Redact(SourceFiles.Reason(e)), source));
    }
}

/// <summary>Orders version strings by their numeric parts (<c>8.0.10</c> after <c>8.0.9</c>), then as text.</summary>
internal sealed class VersionComparer : IComparer<string>
{
    public static readonly VersionComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        var a = (x ?? "").Split('.', '-', '+', '_');
        var b = (y ?? "").Split('.', '-', '+', '_');
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            var numeric = long.TryParse(a[i], NumberStyles.None, CultureInfo.InvariantCulture, out var na) &
                long.TryParse(b[i], NumberStyles.None, CultureInfo.InvariantCulture, out var nb);
            var order = numeric ? na.CompareTo(nb) : string.CompareOrdinal(a[i], b[i]);
            if (order != 0)
            {
                return order;
            }
        }

        return a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(x, y);
    }
}
