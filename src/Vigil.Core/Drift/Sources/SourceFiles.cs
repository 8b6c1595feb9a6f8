using System.Globalization;
using System.Text;
using System.Text.Json;
using YamlDotNet.Core;

namespace Vigil.Core.Drift.Sources;

/// <summary>A file that cannot be used, with a reason fit for an <c>unreadable</c> item (no content, no host path).</summary>
public sealed class SourceReadException(string reason, Exception? inner = null) : Exception(reason, inner)
{
    /// <summary>Why it could not be read, such as <c>invalid JSON at line 3</c>.</summary>
    public string Reason { get; } = reason;
}

/// <summary>
/// Reading files under a snapshot's root: every path is relative to the root and uses <c>/</c>, so the keys of a planted
/// or mounted tree equal those of a live host; absolute symbolic links are resolved inside the root, never on the host
/// taking the snapshot; walks are bounded in depth and entries.
/// </summary>
public static class SourceFiles
{
    /// <summary>The deepest a folder walk goes below each search folder.</summary>
    public const int MaxDepth = 8;

    /// <summary>The most directory entries one walk looks at, so a huge tree cannot stall a snapshot.</summary>
    public const int MaxEntries = 100_000;

    /// <summary>Folders never entered: generated, virtual or version-control trees.</summary>
    public static readonly IReadOnlySet<string> SkippedFolders = new HashSet<string>(StringComparer.Ordinal)
    {
        "node_modules", ".git", ".svn", ".hg", "__pycache__", ".cache", ".venv", "venv", "proc", "sys", "dev", "obj", "lost+found",
    };

    /// <summary>
    /// The folders searched for configuration and lock files. On a full file system (the root has <c>etc</c> and
    /// <c>usr</c>): <c>app</c>, <c>srv</c>, <c>opt</c>, <c>config</c>, <c>usr/src</c>, <c>var/www</c> and
    /// <c>etc/&lt;service&gt;</c>, plus the files directly in the root. Otherwise (a planted application folder) the
    /// whole root. Relative paths, <c>""</c> for the root itself.
    /// </summary>
    public static IReadOnlyList<string> SearchFolders(string root, string? service)
    {
        if (!IsFullFileSystem(root))
        {
            return [""];
        }

        var folders = new List<string> { "app", "srv", "opt", "config", "usr/src", "var/www" };
        if (!string.IsNullOrWhiteSpace(service) && service.IndexOfAny(['/', '\\']) < 0 && service != ".." && service != ".")
        {
            folders.Add("etc/" + service);
        }

        return folders;
    }

    /// <summary>True when <paramref name="root"/> holds a whole file system (<c>etc</c> and <c>usr</c>), like <c>/</c> or a mounted image.</summary>
    public static bool IsFullFileSystem(string root) =>
        Directory.Exists(Path.Combine(root, "etc")) && Directory.Exists(Path.Combine(root, "usr"));

    /// <summary>The host path of <paramref name="relative"/> under <paramref name="root"/>.</summary>
    public static string Full(string root, string relative) =>
        Path.Combine(root, relative.TrimStart('/').Replace('/', Path.DirectorySeparatorChar));

    /// <summary>
    /// Resolves <paramref name="relative"/> component by component as if the root were <c>/</c> (a chroot): a symbolic
    /// link with an absolute target restarts at the root, <c>..</c> never climbs above it. Answers the relative path
    /// reached, or null when links loop (more than 40 hops).
    /// </summary>
    public static string? ResolveLinks(string root, string relative)
    {
        var pending = new Stack<string>();
        foreach (var part in relative.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
        {
            pending.Push(part);
        }

        var resolved = new List<string>();
        var hops = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                continue;
            }

            resolved.Add(part);
            string? target;
            try
            {
                target = new FileInfo(Full(root, string.Join('/', resolved))).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                target = null;
            }

            if (target is null)
            {
                continue;
            }

            if (++hops > 40)
            {
                return null;
            }

            resolved.RemoveAt(resolved.Count - 1);
            if (target.StartsWith('/'))
            {
                resolved.Clear();
            }

            foreach (var next in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
            {
                pending.Push(next);
            }
        }

        return string.Join('/', resolved);
    }

    /// <summary>The host path of <paramref name="relative"/> after <see cref="ResolveLinks"/> (unresolvable links: as given).</summary>
    public static string HostPath(string root, string relative) => Full(root, ResolveLinks(root, relative) ?? relative);

    /// <summary>The target of a symbolic link, as written in the link (not resolved), or null when it is not a link.</summary>
    public static string? LinkTarget(string root, string relative)
    {
        var path = Full(root, relative);
        return File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null
            ? new FileInfo(path).LinkTarget
            : null;
    }

    /// <summary>True when the file exists under the root (after links).</summary>
    public static bool FileExists(string root, string relative) =>
        ResolveLinks(root, relative) is { } resolved && File.Exists(Full(root, resolved));

    /// <summary>True when the folder exists under the root.</summary>
    public static bool DirectoryExists(string root, string relative) => Directory.Exists(HostPath(root, relative));

    /// <summary>Reads a text file under the root (links followed inside the root), refusing files over <paramref name="maxBytes"/>.</summary>
    /// <exception cref="SourceReadException">The file is missing, unreadable or too large.</exception>
    public static string ReadText(string root, string relative, long maxBytes) =>
        Decode(ReadBytes(root, relative, maxBytes));

    /// <summary>UTF-8 text without a leading byte order mark (editors on Windows write one; parsers refuse it).</summary>
    public static string Decode(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var text = Encoding.UTF8.GetString(bytes);
        return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
    }

    /// <summary>Reads a file under the root, as <see cref="ReadText"/>.</summary>
    /// <exception cref="SourceReadException">The file is missing, unreadable or too large.</exception>
    public static byte[] ReadBytes(string root, string relative, long maxBytes)
    {
        var resolved = ResolveLinks(root, relative) ?? throw new SourceReadException("a symbolic link leads outside the root or loops");
        return ReadHostFile(Full(root, resolved), maxBytes);
    }

    /// <summary>Reads a file given by its host path (a <c>--manifest</c>), refusing files over <paramref name="maxBytes"/>.</summary>
    /// <exception cref="SourceReadException">The file is missing, unreadable or too large.</exception>
    public static byte[] ReadHostFile(string path, long maxBytes)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
            if (stream.CanSeek && stream.Length > maxBytes)
            {
                throw new SourceReadException($"file is larger than {Size(maxBytes)}");
            }

            // Read to the end rather than trusting the length: /proc and /sys files say 0 (or 4096) whatever they hold.
            using var content = new MemoryStream();
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                content.Write(buffer, 0, read);
                if (content.Length > maxBytes)
                {
                    throw new SourceReadException($"file is larger than {Size(maxBytes)}");
                }
            }

            return content.ToArray();
        }
        catch (Exception e) when (e is not SourceReadException)
        {
            throw new SourceReadException(Reason(e), e);
        }
    }

    /// <summary>
    /// Walks the search folders (relative to the root) and answers, sorted, the relative paths of files whose name
    /// satisfies <paramref name="accept"/>. Symbolic links to folders are not entered; the walk stops at
    /// <see cref="MaxDepth"/> and <see cref="MaxEntries"/>.
    /// </summary>
    public static IReadOnlyList<string> Walk(string root, IEnumerable<string> folders, Func<string, bool> accept, int maxFiles = 10_000)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        var entries = 0;
        var full = IsFullFileSystem(root);
        if (full)
        {
            // The files right in the root of a full file system (a planted tree may keep its .env there).
            AddFiles("");
        }

        foreach (var folder in folders)
        {
            Visit(Normalize(folder) ?? "", 0);
        }

        return [.. found];

        void Visit(string relative, int depth)
        {
            if (depth > MaxDepth || entries > MaxEntries || found.Count >= maxFiles)
            {
                return;
            }

            var path = relative.Length == 0 ? root : Full(root, relative);
            DirectoryInfo directory;
            try
            {
                directory = new DirectoryInfo(path);
                if (!directory.Exists || (relative.Length > 0 && directory.LinkTarget is not null))
                {
                    return;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return;
            }

            AddFiles(relative);
            IEnumerable<DirectoryInfo> children;
            try
            {
                children = directory.EnumerateDirectories().OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return;
            }

            foreach (var child in children)
            {
                entries++;
                if (SkippedFolders.Contains(child.Name))
                {
                    continue;
                }

                Visit(relative.Length == 0 ? child.Name : relative + "/" + child.Name, depth + 1);
            }
        }

        void AddFiles(string relative)
        {
            var path = relative.Length == 0 ? root : Full(root, relative);
            try
            {
                foreach (var file in new DirectoryInfo(path).EnumerateFiles())
                {
                    entries++;
                    if (entries > MaxEntries || found.Count >= maxFiles)
                    {
                        return;
                    }

                    if (accept(file.Name))
                    {
                        found.Add(relative.Length == 0 ? file.Name : relative + "/" + file.Name);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A folder that cannot be listed contributes nothing; its files are not "unreadable" because they were never seen.
            }
        }
    }

    /// <summary>The items of a file that could not be read: one item whose value is <c>could not read: reason</c>.</summary>
    public static SnapshotItem Unreadable(string category, string key, string reason, string? source = null) =>
        new(category, DriftItemKinds.Unreadable, key, "could not read: " + reason, source ?? key);

    /// <summary>A short reason for an exception met while reading, without host paths or file contents.</summary>
    public static string Reason(Exception e) => e switch
    {
        SourceReadException read => read.Reason,
        FileNotFoundException or DirectoryNotFoundException => "file not found",
        UnauthorizedAccessException => "permission denied",
        JsonException json => json.LineNumber is { } line
            ? string.Create(CultureInfo.InvariantCulture, $"invalid JSON at line {line + 1}, position {(json.BytePositionInLine ?? 0) + 1}")
            : "invalid JSON",
        YamlException yaml => string.Create(CultureInfo.InvariantCulture, $"invalid YAML at line {yaml.Start.Line}, column {yaml.Start.Column}: {FirstLine(yaml.Message)}"),
        DecoderFallbackException => "not valid UTF-8 text",
        IOException io => System.Text.RegularExpressions.Regex.Replace(FirstLine(io.Message), "'[^']*'", "the file"),
        _ => FirstLine(e.Message),
    };

    /// <summary>The parent of a relative path, <c>""</c> at the top.</summary>
    public static string ParentOf(string relative)
    {
        var slash = relative.LastIndexOf('/');
        return slash < 0 ? "" : relative[..slash];
    }

    /// <summary>A relative path without <c>.</c> and <c>..</c> parts, or null when it climbs above the root.</summary>
    public static string? Normalize(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    return null;
                }

                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].Trim();
        return line.Length > 200 ? line[..200] + "…" : line;
    }

    private static string Size(long bytes) =>
        bytes >= 1024 * 1024
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024)} MiB")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024} KiB");
}
