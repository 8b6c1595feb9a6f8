using Vigil.Core.LogPatterns;

namespace Vigil.Core.Tests.LogPatterns;

public sealed class LogTemplateMinerTests
{
    private const string Service = "checkout";

    [Fact]
    public void Match_MergeScenario_KeepsOlderIdsAndRecordsAliases()
    {
        var miner = new LogTemplateMiner();
        var ids = new List<TemplateId>();
        var steps = 0;
        foreach (var raw in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "LogPatterns", "testdata", "merge.txt")))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            steps++;
            var parts = line.Split(' ', 3);
            switch (parts[0])
            {
                case ">":
                    ids.Add(miner.Match(Service, line.AsSpan(2)).Id);
                    break;
                case "=":
                    Assert.Equal(parts[2], miner.GetTemplate(Service, Id(parts[1]))?.Template);
                    break;
                case "same":
                    Assert.Equal(Id(parts[1]), Id(parts[2]));
                    break;
                case "alias":
                    var absorbed = Id(parts[1]);
                    var survivor = Id(line.Split(' ')[3]);
                    Assert.NotEqual(survivor, absorbed);
                    Assert.True(survivor.Value < absorbed.Value, "the older id survives");
                    Assert.Equal(survivor, miner.Resolve(Service, absorbed));
                    Assert.Contains(absorbed, miner.GetTemplate(Service, survivor)!.Aliases);
                    break;
                case "count":
                    Assert.Equal(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), miner.TemplateCount(Service));
                    break;
                default:
                    Assert.Fail($"merge.txt: unknown step '{line}'");
                    break;
            }
        }

        Assert.True(steps > 10, "the scenario file was read");

        TemplateId Id(string lineNumber) => ids[int.Parse(lineNumber, System.Globalization.CultureInfo.InvariantCulture) - 1];
    }

    [Fact]
    public void SaveLoad_AfterMerges_KeepsIdsAliasesCountsAndMatching()
    {
        var miner = new LogTemplateMiner();
        var before = new Dictionary<string, TemplateId>();
        foreach (var body in SampleLines())
        {
            before[body] = miner.Match(body.StartsWith("cache", StringComparison.Ordinal) ? "cache" : Service, body).Id;
        }

        var templatesBefore = miner.GetTemplates(Service).Concat(miner.GetTemplates("cache")).ToList();
        Assert.Contains(templatesBefore, t => t.Aliases.Count > 0);

        using var stream = new MemoryStream();
        miner.Save(stream);
        stream.Position = 0;
        var loaded = LogTemplateMiner.Load(stream);

        var templatesAfter = loaded.GetTemplates(Service).Concat(loaded.GetTemplates("cache")).ToList();
        Assert.Equal(templatesBefore, templatesAfter, new TemplateInfoComparer());
        foreach (var (body, id) in before)
        {
            var service = body.StartsWith("cache", StringComparison.Ordinal) ? "cache" : Service;
            // An old id resolves the same way, and the same body matches the same (resolved) template after a restart.
            Assert.Equal(miner.Resolve(service, id), loaded.Resolve(service, id));
            Assert.Equal(miner.Resolve(service, id), loaded.Match(service, body).Id);
        }

        // New templates continue the id sequence instead of reusing ids.
        var maxBefore = templatesBefore.Max(t => t.Id.Value);
        var fresh = loaded.Match(Service, "completely different message shape here now");
        Assert.True(fresh.IsNew);
        Assert.True(fresh.Id.Value > maxBefore);
    }

    [Fact]
    public void Load_DamagedOrForeignState_ThrowsInvalidData()
    {
        var miner = new LogTemplateMiner();
        miner.Match(Service, "payment accepted for order 42");
        using var stream = new MemoryStream();
        miner.Save(stream);
        var bytes = stream.ToArray();

        Assert.Throws<InvalidDataException>(() => LogTemplateMiner.Load(new MemoryStream(bytes[..^3])));
        Assert.Throws<InvalidDataException>(() => LogTemplateMiner.Load(new MemoryStream("not a state file"u8.ToArray())));
        var otherVersion = (byte[])bytes.Clone();
        otherVersion[4] = 99;
        var error = Assert.Throws<InvalidDataException>(() => LogTemplateMiner.Load(new MemoryStream(otherVersion)));
        Assert.Contains("version 99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Match_FloodOfUniqueLines_StaysWithinTheCap()
    {
        const int seed = 20261129;
        var random = new Random(seed);
        var options = new LogTemplateMinerOptions { MaxTemplatesPerService = 200, MaxAliasesPerService = 100 };
        var miner = new LogTemplateMiner(options);
        var vocabulary = Enumerable.Range(0, 12_000).Select(_ => RandomWord(random)).ToArray();
        var firstIds = new List<TemplateId>();
        var lineOf = new Dictionary<TemplateId, string>();
        var lastRebuilds = 0;
        var maxTokenTable = 0;
        for (var i = 0; i < 50_000; i++)
        {
            // Random words (no digits, so masking cannot fold them) from a vocabulary, so lines reuse known tokens;
            // random lengths and leading words: nearly every line is its own template.
            var line = string.Join(' ', Enumerable.Range(0, random.Next(2, 9)).Select(_ => vocabulary[random.Next(vocabulary.Length)]));
            var match = miner.Match(Service, line);
            if (i < 10)
            {
                firstIds.Add(match.Id);
            }

            lineOf[match.Id] = line;
            var rebuilds = miner.TokenTableRebuilds(Service);
            if (rebuilds != lastRebuilds)
            {
                // The table was rebuilt while this line's template was being created: it must still read as the line.
                Assert.Equal(line, miner.GetTemplate(Service, match.Id)?.Template);
                lastRebuilds = rebuilds;
            }

            Assert.True(miner.TemplateCount(Service) <= 200, $"seed {seed}: {miner.TemplateCount(Service)} templates after line {i}");
            maxTokenTable = Math.Max(maxTokenTable, miner.TokenTableSize(Service));
        }

        Assert.Equal(200, miner.TemplateCount(Service));
        // Evictions rebuilt the token table; the surviving templates still read as their lines.
        Assert.True(miner.TokenTableRebuilds(Service) > 0, $"seed {seed}: the token table was never rebuilt");
        foreach (var template in miner.GetTemplates(Service).Where(t => t.Count == 1))
        {
            Assert.Equal(lineOf[template.Id], template.Template);
        }

        Assert.True(maxTokenTable < 1024 + (4 * 200 * 8) + 8, $"seed {seed}: token table grew to {maxTokenTable}");
        // Evicted templates resolve to the overflow template, which counts their lines.
        Assert.Equal(TemplateId.Overflow, miner.Resolve(Service, firstIds[0]));
        var overflow = miner.GetTemplate(Service, firstIds[0]);
        Assert.NotNull(overflow);
        Assert.True(overflow.Count > 40_000, $"overflow counted {overflow.Count}");
    }

    [Fact]
    public void Match_RecentlySeenTemplate_SurvivesEviction()
    {
        var miner = new LogTemplateMiner(new LogTemplateMinerOptions { MaxTemplatesPerService = 3 });
        var keep = miner.Match(Service, "heartbeat from scheduler").Id;
        miner.Match(Service, "alpha beta gamma");
        miner.Match(Service, "delta epsilon zeta eta");
        miner.Match(Service, "heartbeat from scheduler"); // seen again: now the most recent
        miner.Match(Service, "theta iota kappa lambda mu"); // evicts "alpha beta gamma", the least recently seen

        Assert.Equal(keep, miner.Resolve(Service, keep));
        Assert.Equal(3, miner.TemplateCount(Service));
        Assert.DoesNotContain(miner.GetTemplates(Service), t => t.Template == "alpha beta gamma");
    }

    [Fact]
    public async Task Match_ConcurrentServices_GiveTheSameIdsAsSequential()
    {
        var lines = SampleLines().ToArray();
        var sequential = new LogTemplateMiner();
        var expected = lines.Select(l => sequential.Match(Service, l).Id).ToArray();

        var concurrent = new LogTemplateMiner();
        var services = Enumerable.Range(0, 8).Select(i => $"svc-{i}").ToArray();
        var results = await Task.WhenAll(services.Select(service => Task.Run(() => lines.Select(l => concurrent.Match(service, l).Id).ToArray())));

        foreach (var result in results)
        {
            Assert.Equal(expected, result);
        }
    }

    [Fact]
    public void Match_RandomBytesAndOddLines_NeverThrowAndRepeatTheirId()
    {
        const int seed = 4242;
        var random = new Random(seed);
        const string alphabet = "ab0 9:=,()[]{};\"'|#@/.-_<*>\t\nµ漢\u0000KB://";
        var options = new LogTemplateMinerOptions { MaxBodyLength = 200, MaxTokens = 16, MaxTemplatesPerService = 50 };
        var miner = new LogTemplateMiner(options);
        string[] odd = ["", " ", "<*>", "://", "1 KB", "KB", new string('9', 1000), string.Join(' ', Enumerable.Repeat("x", 500)), "a://b]", "......"];
        var lines = odd.Concat(Enumerable.Range(0, 3000).Select(_ =>
            new string(Enumerable.Range(0, random.Next(0, 300)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray())));
        foreach (var line in lines)
        {
            var first = miner.Match(Service, line).Id;
            var again = miner.Match(Service, line).Id;
            Assert.True(miner.Resolve(Service, first) == miner.Resolve(Service, again), $"seed {seed}: '{line}' matched two templates");
        }

        Assert.True(miner.TemplateCount(Service) <= 50);
    }

    [Fact]
    public void Load_WithSmallerCap_KeepsTheMostRecentTemplates()
    {
        var miner = new LogTemplateMiner();
        var ids = new[] { "alpha one", "beta two three", "gamma four five six", "delta seven" }.Select(l => miner.Match(Service, l).Id).ToArray();
        using var stream = new MemoryStream();
        miner.Save(stream);
        stream.Position = 0;

        var loaded = LogTemplateMiner.Load(stream, new LogTemplateMinerOptions { MaxTemplatesPerService = 2 });

        Assert.Equal(["gamma four five six", "delta seven"], loaded.GetTemplates(Service).Select(t => t.Template));
        Assert.Equal(TemplateId.Overflow, loaded.Resolve(Service, ids[0]));
        Assert.Equal(ids[3], loaded.Resolve(Service, ids[3]));
    }

    [Fact]
    public void Constructor_InvalidOptions_ListsEveryProblem()
    {
        var error = Assert.Throws<ArgumentException>(() => new LogTemplateMiner(new LogTemplateMinerOptions { SimilarityThreshold = 2, MaxTemplatesPerService = 0 }));
        Assert.Contains("SimilarityThreshold", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxTemplatesPerService", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetTemplate_NeverIssuedId_IsNull()
    {
        var miner = new LogTemplateMiner();
        miner.Match(Service, "ready");
        Assert.Null(miner.GetTemplate(Service, new TemplateId(99)));
        Assert.Null(miner.GetTemplate("unknown-service", new TemplateId(1)));
    }

    private static IEnumerable<string> SampleLines()
    {
        for (var i = 0; i < 40; i++)
        {
            yield return $"order {1000 + i} paid by card in {i * 7}ms";
            yield return $"login ok user {(i % 2 == 0 ? "alice" : "bob")} from 10.0.{i}.1";
        }

        yield return "cache evict shard=1 region=east tier=hot";
        yield return "cache evict shard=2 region=west tier=cold";
        yield return "cache evict shard=3 region=east tier=cold";
        yield return "cache evict shard=4 region=north tier=warm";
    }

    private static string RandomWord(Random random) =>
        new(Enumerable.Range(0, random.Next(3, 10)).Select(_ => (char)('a' + random.Next(26))).ToArray());

    private sealed class TemplateInfoComparer : IEqualityComparer<LogTemplateInfo>
    {
        public bool Equals(LogTemplateInfo? x, LogTemplateInfo? y) =>
            x is not null && y is not null && x.Id == y.Id && x.Template == y.Template && x.Count == y.Count && x.Aliases.SequenceEqual(y.Aliases);

        public int GetHashCode(LogTemplateInfo obj) => obj.Id.GetHashCode();
    }
}
