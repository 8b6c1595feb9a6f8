using System.Globalization;

namespace Vigil.Core.Drift.Compare;

/// <summary>How far apart two versions are.</summary>
internal enum VersionDistance
{
    /// <summary>The same numbers (only a suffix such as a build date may differ).</summary>
    Same,

    /// <summary>Same major and minor, another patch (or fourth number).</summary>
    Patch,

    /// <summary>Same major, another minor.</summary>
    Minor,

    /// <summary>Another major.</summary>
    Major,

    /// <summary>At least one side has no version number in it.</summary>
    Unknown,
}

/// <summary>
/// The numbers of a version as package managers and runtimes print them: <c>13.0.3</c>, <c>v18.19.0</c>,
/// <c>openjdk 17.0.9 2023-10-17</c>, <c>==2.31.0</c>, <c>1.2.3-beta.1</c>, <c>21.0.1+12</c>. The first run of
/// dot-separated digits is the version; anything around it is ignored. With <c>legacyJava</c>, Java's old
/// <c>1.8.0_392</c> numbering is read as major 8.
/// </summary>
internal readonly record struct LooseVersion(long Major, long Minor, long Patch, long Fourth)
{
    // A version with more than four numbers is compared on its first four; more is never a release train.
    private const int MaxParts = 4;

    /// <summary>Reads the first version in <paramref name="text"/>; false when it holds no digits.</summary>
    public static bool TryParse(string? text, out LooseVersion version, bool legacyJava = false)
    {
        version = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var start = -1;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsAsciiDigit(text[i]))
            {
                start = i;
                break;
            }
        }

        if (start < 0)
        {
            return false;
        }

        Span<long> parts = stackalloc long[MaxParts];
        var count = 0;
        var i2 = start;
        while (count < MaxParts && i2 < text.Length && char.IsAsciiDigit(text[i2]))
        {
            var end = i2;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            // Eighteen digits fit a long; a longer run is a date or a hash, kept as the largest number rather than failing.
            parts[count++] = end - i2 > 18 ? long.MaxValue : long.Parse(text.AsSpan(i2, end - i2), NumberStyles.None, CultureInfo.InvariantCulture);
            if (end + 1 < text.Length && text[end] == '.' && char.IsAsciiDigit(text[end + 1]))
            {
                i2 = end + 1;
            }
            else
            {
                break;
            }
        }

        version = legacyJava && parts[0] == 1 && count >= 2 && parts[1] is >= 2 and <= 8
            // Java before 9 called itself 1.8.0_392: the 8 is the major release, the update number its patch.
            ? new LooseVersion(parts[1], 0, count > 2 ? parts[2] : 0, 0)
            : new LooseVersion(parts[0], parts[1], parts[2], parts[3]);
        return true;
    }

    /// <summary>
    /// How far apart two lists of versions are (<c>17.0.9, 21.0.1</c>: several installed, or one package resolved at
    /// several versions): another set of majors is <see cref="VersionDistance.Major"/>, else another set of
    /// major.minor is <see cref="VersionDistance.Minor"/>, else <see cref="VersionDistance.Patch"/> (or
    /// <see cref="VersionDistance.Same"/>). A single version on each side is <see cref="Distance"/>.
    /// </summary>
    public static VersionDistance DistanceOfLists(string? left, string? right, bool legacyJava = false)
    {
        if (left is null || right is null || (!left.Contains(',', StringComparison.Ordinal) && !right.Contains(',', StringComparison.Ordinal)))
        {
            return Distance(left, right, legacyJava);
        }

        var a = new List<LooseVersion>();
        var b = new List<LooseVersion>();
        foreach (var (text, list) in new[] { (left, a), (right, b) })
        {
            foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!TryParse(part, out var version, legacyJava))
                {
                    return VersionDistance.Unknown;
                }

                list.Add(version);
            }
        }

        if (a.Count == 0 || b.Count == 0)
        {
            return VersionDistance.Unknown;
        }

        return !a.Select(v => v.Major).ToHashSet().SetEquals(b.Select(v => v.Major)) ? VersionDistance.Major
            : !a.Select(v => (v.Major, v.Minor)).ToHashSet().SetEquals(b.Select(v => (v.Major, v.Minor))) ? VersionDistance.Minor
            : !a.ToHashSet().SetEquals(b) ? VersionDistance.Patch
            : VersionDistance.Same;
    }

    /// <summary>How far apart the versions in two texts are.</summary>
    public static VersionDistance Distance(string? left, string? right, bool legacyJava = false)
    {
        if (!TryParse(left, out var a, legacyJava) || !TryParse(right, out var b, legacyJava))
        {
            return VersionDistance.Unknown;
        }

        return a.Major != b.Major ? VersionDistance.Major
            : a.Minor != b.Minor ? VersionDistance.Minor
            : a.Patch != b.Patch || a.Fourth != b.Fourth ? VersionDistance.Patch
            : VersionDistance.Same;
    }
}
