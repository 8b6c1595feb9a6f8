namespace Vigil.Core.Tests;

/// <summary>Finds the shared benchmark data: <c>$VIGIL_SHARED_DATA</c>, else <c>../shared/data</c> beside the repository.</summary>
internal static class SharedData
{
    /// <summary>The Loghub folder (one folder per dataset); fails the test when absent.</summary>
    public static string Loghub
    {
        get
        {
            var loghub = Path.Combine(Root(), "loghub");
            Assert.True(
                Directory.Exists(loghub),
                $"The Loghub benchmark data is missing: expected {loghub}. " +
                "Set VIGIL_SHARED_DATA to the shared data folder (the one holding loghub/), or place it at ../shared/data beside the repository.");
            return loghub;
        }
    }

    /// <summary>The NAB folder (holding <c>data/</c>, <c>windows.json</c>, <c>results/</c>); fails the test when absent.</summary>
    public static string Nab
    {
        get
        {
            var root = Root();
            var nab = Path.Combine(root, "nab");
            Assert.True(
                Directory.Exists(Path.Combine(nab, "data")) && File.Exists(Path.Combine(nab, "windows.json")),
                $"The NAB benchmark data is missing: expected {nab}/data and {nab}/windows.json. " +
                "Set VIGIL_SHARED_DATA to the shared data folder (the one holding nab/), or place it at ../shared/data beside the repository.");
            return nab;
        }
    }

    private static string Root()
    {
        if (Environment.GetEnvironmentVariable("VIGIL_SHARED_DATA") is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Vigil.slnx")))
            {
                return Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared", "data"));
            }
        }

        Assert.Fail($"The shared benchmark data is missing: VIGIL_SHARED_DATA is not set and no Vigil.slnx was found above {AppContext.BaseDirectory} to locate ../shared/data.");
        return "";
    }
}
