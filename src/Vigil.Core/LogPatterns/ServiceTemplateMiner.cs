using System.Text;

namespace Vigil.Core.LogPatterns;

/// <summary>
/// The templates of one service: a Drain-style search (lines grouped by token count and leading tokens, then the most
/// similar template above a threshold) over tokens masked before the search. Not thread-safe: <see cref="LogTemplateMiner"/>
/// locks it.
/// </summary>
internal sealed class ServiceTemplateMiner
{
    private const int VariableToken = 0;

    /// <summary>Most absorbed ids listed on one template. 1,000: listing more helps nobody, and it must be bounded.</summary>
    private const int MaxAliasesPerTemplate = 1_000;

    private readonly LogTemplateMinerOptions _options;
    private readonly Dictionary<string, int> _tokenIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _tokenLookup;
    private readonly List<string?> _tokens = [LogMasker.Variable];

    // Per token id: whether the token holds a masked variable (uid=<*>), so it is weak evidence of a template.
    private readonly List<bool> _tokenMasked = [true];
    private readonly Dictionary<LeafKey, List<Template>> _leaves = [];
    private readonly Dictionary<long, Template> _byId = [];
    private readonly Dictionary<long, long> _aliases = [];
    private readonly Queue<long> _aliasOrder = new();

    // Scratch buffers reused by every line (the miner is locked per service, so one set suffices).
    private readonly char[] _masked;
    private readonly int[] _starts;
    private readonly int[] _lengths;
    private readonly int[] _ids;

    // Least recently seen first: an intrusive doubly linked list, so a match moves its template in O(1).
    private Template? _oldest;
    private Template? _newest;
    private long _nextId = 1;
    private long _overflowCount;
    private int _tokenReferences;

    public ServiceTemplateMiner(LogTemplateMinerOptions options)
    {
        _options = options;
        _tokenLookup = _tokenIds.GetAlternateLookup<ReadOnlySpan<char>>();
        _tokenIds[LogMasker.Variable] = VariableToken;
        _masked = new char[LogMasker.OutputCapacity(options.MaxBodyLength)];
        _starts = new int[options.MaxTokens];
        _lengths = new int[options.MaxTokens];
        _ids = new int[options.MaxTokens];
    }

    public int TemplateCount => _byId.Count;

    /// <summary>Distinct token strings held (bounded: rebuilt from live templates when it outgrows them).</summary>
    public int TokenTableSize => _tokenIds.Count;

    public TemplateMatch Match(ReadOnlySpan<char> body)
    {
        if (body.Length > _options.MaxBodyLength)
        {
            body = body[.._options.MaxBodyLength];
        }

        var n = LogMasker.Mask(body, _masked, _starts, _lengths, _options.MaxTokens, _options.MaskVariables);
        for (var i = 0; i < n; i++)
        {
            // Tokens not yet in the table get distinct negative ids: they equal nothing in any template.
            _ids[i] = _tokenLookup.TryGetValue(_masked.AsSpan(_starts[i], _lengths[i]), out var id) ? id : -1 - i;
        }

        var line = _ids.AsSpan(0, n);
        var key = KeyOf(line, fromLine: true);
        Template? best = null;
        if (_leaves.TryGetValue(key, out var leaf))
        {
            best = FindBest(leaf, line);
        }

        if (best is null)
        {
            return new TemplateMatch(new TemplateId(Create(key, line).Id), IsNew: true);
        }

        best.Count++;
        Touch(best);
        if (Generalise(best, line))
        {
            best = MergeCovered(leaf!, best);
        }

        return new TemplateMatch(new TemplateId(best.Id), IsNew: false);
    }

    private LeafKey KeyOf(ReadOnlySpan<int> line, bool fromLine = false) =>
        new(line.Length, Prefix(line, 0, fromLine), Prefix(line, 1, fromLine));

    private int Prefix(ReadOnlySpan<int> line, int k, bool fromLine)
    {
        if (_options.PrefixTokens <= k || line.Length <= k)
        {
            return VariableToken;
        }

        if (!_options.MaskVariables)
        {
            // Without masking, Drain's own rule: a prefix token with a digit descends the variable branch.
            var text = fromLine ? _masked.AsSpan(_starts[k], _lengths[k]) : _tokens[line[k]].AsSpan();
            if (text.IndexOfAnyInRange('0', '9') >= 0)
            {
                return VariableToken;
            }
        }

        return Math.Max(line[k], -1);
    }

    private Template? FindBest(List<Template> leaf, ReadOnlySpan<int> line)
    {
        Template? best = null;
        var bestScore = -1.0;
        var bestVariables = -1;
        foreach (var template in leaf)
        {
            var tokens = template.Tokens;
            var same = 0;
            var constants = 0;
            var maskedSame = 0;
            var masked = 0;
            for (var i = 0; i < tokens.Length; i++)
            {
                var t = tokens[i];
                if (t == VariableToken)
                {
                    continue;
                }

                if (_tokenMasked[t])
                {
                    masked++;
                    maskedSame += t == line[i] || MatchesPattern(t, i) ? 1 : 0;
                }
                else
                {
                    constants++;
                    same += t == line[i] ? 1 : 0;
                }
            }

            // Variable-aware similarity: a variable position matches anything, and tokens holding a masked variable
            // (uid=<*>, <*>:<*>) are only weak evidence, counted when a template has no plain words at all.
            var score = constants > 0 ? (double)same / constants : masked > 0 ? (double)maskedSame / masked : 1.0;
            constants += masked;
            var variables = tokens.Length - constants;
            if (score > bestScore || (score == bestScore && variables > bestVariables))
            {
                best = template;
                bestScore = score;
                bestVariables = variables;
            }
        }

        return bestScore >= _options.SimilarityThreshold ? best : null;
    }

    private Template Create(LeafKey key, ReadOnlySpan<int> line)
    {
        if (_byId.Count >= _options.MaxTemplatesPerService)
        {
            Evict(_oldest!);
        }

        // Looked up again by text: the eviction above may have rebuilt the token table, renumbering the line's ids.
        var tokens = new int[line.Length];
        for (var i = 0; i < line.Length; i++)
        {
            tokens[i] = Intern(_masked.AsSpan(_starts[i], _lengths[i]));
        }

        // Interning may have created the prefix tokens: key the leaf by the final ids.
        key = KeyOf(tokens);
        var template = new Template(_nextId++, tokens, key) { Count = 1 };
        Add(template);
        return template;
    }

    private void Add(Template template)
    {
        if (!_leaves.TryGetValue(template.Key, out var leaf))
        {
            leaf = [];
            _leaves[template.Key] = leaf;
        }

        leaf.Add(template);
        _byId[template.Id] = template;
        _tokenReferences += template.Tokens.Length;
        Link(template);
    }

    private int Intern(ReadOnlySpan<char> token)
    {
        if (_tokenLookup.TryGetValue(token, out var id))
        {
            return id;
        }

        var text = token.ToString();
        id = _tokens.Count;
        _tokens.Add(text);
        _tokenMasked.Add(text.Contains(LogMasker.Variable, StringComparison.Ordinal));
        _tokenIds[text] = id;
        return id;
    }

    /// <summary>
    /// Widens the template where it differs from the line; true when any token changed. A differing token keeps the
    /// parts both share up to a delimiter (<c>rhost=a</c> and <c>rhost=b</c> give <c>rhost=&lt;*&gt;</c>); with
    /// nothing shared it becomes <c>&lt;*&gt;</c>.
    /// </summary>
    private bool Generalise(Template template, ReadOnlySpan<int> line)
    {
        var changed = false;
        var tokens = template.Tokens;
        for (var i = 0; i < tokens.Length; i++)
        {
            var t = tokens[i];
            if (t == VariableToken || t == line[i] || (_tokenMasked[t] && MatchesPattern(t, i)))
            {
                continue;
            }

            tokens[i] = _options.WidenTokens ? Widen(_tokens[t]!, LineToken(line, i)) : VariableToken;
            changed = true;
        }

        if (changed)
        {
            template.Rendered = null;
        }

        return changed;
    }

    private ReadOnlySpan<char> LineToken(ReadOnlySpan<int> line, int i) =>
        line[i] >= 0 ? _tokens[line[i]].AsSpan() : _masked.AsSpan(_starts[i], _lengths[i]);

    private bool Covers(int[] general, int[] specific)
    {
        for (var i = 0; i < general.Length; i++)
        {
            var g = general[i];
            if (g != VariableToken && g != specific[i] && !(_tokenMasked[g] && PatternMatches(_tokens[g], _tokens[specific[i]])))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether the line's token <paramref name="i"/> fits the masked template token: same text before its first and after its last variable.</summary>
    private bool MatchesPattern(int templateToken, int i) =>
        PatternMatches(_tokens[templateToken], _masked.AsSpan(_starts[i], _lengths[i]));

    private static bool PatternMatches(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        var first = pattern.IndexOf(LogMasker.Variable);
        if (first < 0)
        {
            return pattern.SequenceEqual(text);
        }

        var last = pattern.LastIndexOf(LogMasker.Variable) + 3;
        return text.Length >= first + (pattern.Length - last) + 1 &&
            text.StartsWith(pattern[..first]) && text.EndsWith(pattern[last..]);
    }

    private int Widen(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        var max = Math.Min(a.Length, b.Length);
        var prefix = a.CommonPrefixLength(b);
        while (prefix > 0 && !IsJoint(a[prefix - 1]))
        {
            prefix--;
        }

        var suffix = 0;
        while (suffix < max - prefix && a[a.Length - 1 - suffix] == b[b.Length - 1 - suffix])
        {
            suffix++;
        }

        while (suffix > 0 && !IsJoint(a[a.Length - suffix]))
        {
            suffix--;
        }

        if (prefix == 0 && suffix == 0)
        {
            return VariableToken;
        }

        var widened = string.Concat(a[..prefix], LogMasker.Variable, a[(a.Length - suffix)..]);
        return Intern(widened);
    }

    private static bool IsJoint(char c) => c switch
    {
        ':' or '=' or ',' or '(' or ')' or '[' or ']' or '{' or '}' or ';' or '"' or '\'' or '|' or '#' or '@' or '-' or '_' => true,
        _ => false,
    };

    /// <summary>
    /// After <paramref name="general"/> gained variables, absorbs every template of its leaf that it now covers (equal
    /// wherever <paramref name="general"/> is constant). The oldest id survives; the others become its aliases.
    /// </summary>
    private Template MergeCovered(List<Template> leaf, Template general)
    {
        for (var k = leaf.Count - 1; k >= 0; k--)
        {
            var other = leaf[k];
            if (ReferenceEquals(other, general) || !Covers(general.Tokens, other.Tokens))
            {
                continue;
            }

            var (survivor, absorbed) = other.Id < general.Id ? (other, general) : (general, other);
            if (!ReferenceEquals(survivor, general))
            {
                general.Tokens.CopyTo(survivor.Tokens, 0);
                survivor.Rendered = null;
            }

            survivor.Count += absorbed.Count;
            survivor.Aliases.AddRange(absorbed.Aliases);
            survivor.Aliases.Add(absorbed.Id);
            if (survivor.Aliases.Count > MaxAliasesPerTemplate)
            {
                // The listing keeps the newest; older absorbed ids still resolve through the alias map.
                survivor.Aliases.RemoveRange(0, survivor.Aliases.Count - MaxAliasesPerTemplate);
            }
            absorbed.Aliases.Clear();
            Remove(absorbed);
            AddAlias(absorbed.Id, survivor.Id);
            Touch(survivor);
            general = survivor;
            k = Math.Min(k, leaf.Count);
        }

        return general;
    }

    private void AddAlias(long absorbed, long survivor)
    {
        if (_options.MaxAliasesPerService == 0)
        {
            return;
        }

        while (_aliases.Count >= _options.MaxAliasesPerService && _aliasOrder.TryDequeue(out var oldest))
        {
            _aliases.Remove(oldest);
        }

        _aliases[absorbed] = survivor;
        _aliasOrder.Enqueue(absorbed);
        if (_aliasOrder.Count > (2 * _options.MaxAliasesPerService) + 16)
        {
            // Evictions drop aliases from the map but not from the queue: compact it so it stays bounded too.
            var live = _aliasOrder.Where(_aliases.ContainsKey).ToList();
            _aliasOrder.Clear();
            foreach (var id in live)
            {
                _aliasOrder.Enqueue(id);
            }
        }
    }

    private void Evict(Template template)
    {
        _overflowCount += template.Count;
        Remove(template);
        foreach (var alias in template.Aliases)
        {
            _aliases.Remove(alias);
        }

        // Token strings of evicted templates linger in the table; rebuild it once they outnumber the live ones.
        if (_tokenIds.Count > 1024 + (4 * _tokenReferences))
        {
            RebuildTokenTable();
        }
    }

    private void Remove(Template template)
    {
        var leaf = _leaves[template.Key];
        leaf.Remove(template);
        if (leaf.Count == 0)
        {
            _leaves.Remove(template.Key);
        }

        _byId.Remove(template.Id);
        _tokenReferences -= template.Tokens.Length;
        Unlink(template);
    }

    /// <summary>How often the token table was rebuilt (for tests).</summary>
    public int TokenTableRebuilds { get; private set; }

    private void RebuildTokenTable()
    {
        TokenTableRebuilds++;
        var oldTokens = _tokens.ToArray();
        _tokens.Clear();
        _tokenMasked.Clear();
        _tokenIds.Clear();
        _tokens.Add(LogMasker.Variable);
        _tokenMasked.Add(true);
        _tokenIds[LogMasker.Variable] = VariableToken;
        var templates = _byId.Values.ToList();
        _leaves.Clear();
        foreach (var template in templates)
        {
            for (var i = 0; i < template.Tokens.Length; i++)
            {
                template.Tokens[i] = Intern(oldTokens[template.Tokens[i]]);
            }

            template.Key = new LeafKey(template.Key.Length, Remap(template.Key.First), Remap(template.Key.Second));
            if (!_leaves.TryGetValue(template.Key, out var leaf))
            {
                leaf = [];
                _leaves[template.Key] = leaf;
            }

            leaf.Add(template);
        }

        int Remap(int oldId) => oldId == VariableToken ? VariableToken : Intern(oldTokens[oldId]);
    }

    private void Touch(Template template)
    {
        if (ReferenceEquals(_newest, template))
        {
            return;
        }

        Unlink(template);
        Link(template);
    }

    private void Link(Template template)
    {
        template.Older = _newest;
        template.Newer = null;
        if (_newest is not null)
        {
            _newest.Newer = template;
        }

        _newest = template;
        _oldest ??= template;
    }

    private void Unlink(Template template)
    {
        if (template.Older is not null)
        {
            template.Older.Newer = template.Newer;
        }
        else if (ReferenceEquals(_oldest, template))
        {
            _oldest = template.Newer;
        }

        if (template.Newer is not null)
        {
            template.Newer.Older = template.Older;
        }
        else if (ReferenceEquals(_newest, template))
        {
            _newest = template.Older;
        }

        template.Older = null;
        template.Newer = null;
    }

    /// <summary>The template an id stands for now: itself, its merge survivor, or the overflow template.</summary>
    public TemplateId Resolve(TemplateId id)
    {
        var value = id.Value;
        for (var hops = 0; hops <= _aliases.Count && !_byId.ContainsKey(value); hops++)
        {
            if (!_aliases.TryGetValue(value, out value))
            {
                return TemplateId.Overflow;
            }
        }

        return _byId.ContainsKey(value) ? new TemplateId(value) : TemplateId.Overflow;
    }

    public LogTemplateInfo? Get(TemplateId id)
    {
        var resolved = Resolve(id);
        if (resolved.IsOverflow)
        {
            return id.Value < _nextId ? new LogTemplateInfo(TemplateId.Overflow, OverflowText, _overflowCount, []) : null;
        }

        return Info(_byId[resolved.Value]);
    }

    /// <summary>The display text of the overflow template.</summary>
    public const string OverflowText = "<overflow>";

    public IReadOnlyList<LogTemplateInfo> Templates() =>
        _byId.Values.OrderBy(t => t.Id).Select(Info).ToList();

    private LogTemplateInfo Info(Template template) =>
        new(new TemplateId(template.Id), Render(template), template.Count, template.Aliases.Select(a => new TemplateId(a)).ToList());

    private string Render(Template template)
    {
        if (template.Rendered is not null)
        {
            return template.Rendered;
        }

        var builder = new StringBuilder();
        foreach (var token in template.Tokens)
        {
            if (builder.Length > 0)
            {
                builder.Append(' ');
            }

            builder.Append(_tokens[token]);
        }

        template.Rendered = builder.ToString();
        return template.Rendered;
    }

    // ---- persistence (see LogTemplateMiner for the file layout) ----

    public void Write(BinaryWriter writer)
    {
        writer.Write(_nextId);
        writer.Write(_overflowCount);
        writer.Write(_byId.Count);
        // Oldest first, so loading replays the recency order.
        for (var t = _oldest; t is not null; t = t.Newer)
        {
            writer.Write(t.Id);
            writer.Write(t.Count);
            writer.Write(t.Tokens.Length);
            foreach (var token in t.Tokens)
            {
                writer.Write(_tokens[token]!);
            }

            writer.Write(t.Aliases.Count);
            foreach (var alias in t.Aliases)
            {
                writer.Write(alias);
            }
        }

        writer.Write(_aliasOrder.Count(a => _aliases.ContainsKey(a)));
        foreach (var absorbed in _aliasOrder)
        {
            if (_aliases.TryGetValue(absorbed, out var survivor))
            {
                writer.Write(absorbed);
                writer.Write(survivor);
            }
        }
    }

    public void Read(BinaryReader reader)
    {
        _nextId = reader.ReadInt64();
        _overflowCount = reader.ReadInt64();
        var count = reader.ReadInt32();
        for (var k = 0; k < count; k++)
        {
            var id = reader.ReadInt64();
            var matched = reader.ReadInt64();
            var length = reader.ReadInt32();
            if (length < 0 || length > _options.MaxTokens || id <= 0 || id >= _nextId || _byId.ContainsKey(id))
            {
                throw new InvalidDataException($"Template {k} has an invalid or repeated id ({id}) or token count ({length}).");
            }

            if (_byId.Count >= _options.MaxTemplatesPerService)
            {
                // Before interning this template's tokens: eviction may rebuild the token table.
                Evict(_oldest!);
            }

            var tokens = new int[length];
            for (var i = 0; i < length; i++)
            {
                tokens[i] = Intern(reader.ReadString());
            }

            var aliases = reader.ReadInt32();
            var template = new Template(id, tokens, KeyOf(tokens)) { Count = matched };
            for (var a = 0; a < aliases; a++)
            {
                template.Aliases.Add(reader.ReadInt64());
            }

            Add(template);
        }

        var aliasCount = reader.ReadInt32();
        for (var a = 0; a < aliasCount; a++)
        {
            var absorbed = reader.ReadInt64();
            AddAlias(absorbed, reader.ReadInt64());
        }
    }

    private readonly record struct LeafKey(int Length, int First, int Second);

    private sealed class Template(long id, int[] tokens, LeafKey key)
    {
        public long Id { get; } = id;

        public int[] Tokens { get; } = tokens;

        public LeafKey Key { get; set; } = key;

        public long Count { get; set; }

        public List<long> Aliases { get; } = [];

        public string? Rendered { get; set; }

        public Template? Older { get; set; }

        public Template? Newer { get; set; }
    }
}
