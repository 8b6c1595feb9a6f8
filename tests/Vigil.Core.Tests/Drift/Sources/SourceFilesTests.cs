using Vigil.Core.Drift.Sources;

namespace Vigil.Core.Tests.Drift.Sources;

public sealed class SourceFilesTests
{
    [Fact]
    public void ReadText_AbsoluteLinksInTheMiddleOfAPath_StayInsideTheRoot()
    {
        using var tree = new PlantedTree()
            .Write("data/certs/bundle.pem", "inside the root")
            .Link("etc/ssl/certs", "/data/certs")
            .Link("etc/current", "../etc/ssl/certs/bundle.pem");

        Assert.Equal("inside the root", SourceFiles.ReadText(tree.Root, "etc/ssl/certs/bundle.pem", 1024));
        Assert.Equal("data/certs/bundle.pem", SourceFiles.ResolveLinks(tree.Root, "etc/current"));
    }

    [Fact]
    public void ResolveLinks_DotDotNeverClimbsAboveTheRoot_AndLoopsAreRefused()
    {
        using var tree = new PlantedTree()
            .Write("etc/hostname", "h")
            .Link("a", "b")
            .Link("b", "a");

        Assert.Equal("etc/hostname", SourceFiles.ResolveLinks(tree.Root, "../../../etc/hostname"));
        Assert.Null(SourceFiles.ResolveLinks(tree.Root, "a"));
        var e = Assert.Throws<SourceReadException>(() => SourceFiles.ReadText(tree.Root, "a", 1024));
        Assert.Equal("a symbolic link leads outside the root or loops", e.Reason);
    }

    [Fact]
    public void ReadText_ProcFilesThatReportNoLength_AreReadToTheEnd()
    {
        // /proc files say their length is 0; this host's kernel release is never empty.
        Assert.True(new FileInfo("/proc/sys/kernel/osrelease").Length is 0 or 4096);

        var release = SourceFiles.ReadText("/", "proc/sys/kernel/osrelease", 4096);

        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease"), release);
        Assert.NotEmpty(release.Trim());
    }

    [Fact]
    public void ReadText_OverTheLimit_SaysHowLarge()
    {
        using var tree = new PlantedTree().Write("big.txt", new string('x', 2048));

        var e = Assert.Throws<SourceReadException>(() => SourceFiles.ReadText(tree.Root, "big.txt", 1024));

        Assert.Equal("file is larger than 1 KiB", e.Reason);
    }

    [Fact]
    public void Walk_IsBoundedAndSkipsGeneratedFolders()
    {
        using var tree = new PlantedTree();
        for (var i = 0; i < 30; i++)
        {
            tree.Write($"app/f{i:D2}.ini", "a=1");
        }

        tree.Write("app/node_modules/x.ini", "a=1").Write("app/.git/config.ini", "a=1");

        var found = SourceFiles.Walk(tree.Root, SourceFiles.SearchFolders(tree.Root, null), n => n.EndsWith(".ini", StringComparison.Ordinal), maxFiles: 10);

        Assert.Equal(10, found.Count);
        Assert.DoesNotContain(found, f => f.Contains("node_modules", StringComparison.Ordinal) || f.Contains(".git", StringComparison.Ordinal));
    }
}
