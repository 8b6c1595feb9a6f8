using System.Text;
using System.Text.Unicode;

namespace Vigil.Core.Telemetry.Exposition;

/// <summary>
/// One parse of one exposition, line by line over UTF-8 bytes. Lines are never turned into strings; only the metric
/// names, label names and label values that end up in a <see cref="LabelSet"/> are, through per-parse caches.
/// </summary>
internal sealed class TextExpositionReader
{
    private enum LineKind
    {
        Blank,
        Comment,
        Metadata,
        Sample,
        Eof,
        Error,
    }

    private readonly bool _openMetrics;
    private readonly long _scrapeTimestampMs;
    private readonly ExpositionParserOptions _options;

    // Sized for a page: a few hundred names, a few thousand distinct short values.
    private readonly Utf8StringCache _names = new(1024);
    private readonly Utf8StringCache _values = new(4096);
    private readonly Utf8StringCache _normalisedValues = new(256);

    private readonly List<SeriesSample> _samples = [];
    private readonly List<ExpositionError> _errors = [];
    private readonly Dictionary<string, int> _familyIndex = new(StringComparer.Ordinal);
    private readonly List<MetricMetadata> _families = [];

    private Label[] _labels = new Label[16];
    private int _labelCount;
    private byte[] _scratch = new byte[256];
    private MetricType _currentType = MetricType.Unknown;
    private int _errorColumn;
    private string _errorReason = string.Empty;
    private bool _sampleLimitExceeded;

    public TextExpositionReader(ExpositionFormat format, long scrapeTimestampMs, ExpositionParserOptions options)
    {
        _openMetrics = format == ExpositionFormat.OpenMetrics;
        _scrapeTimestampMs = scrapeTimestampMs;
        _options = options;
    }

    public ExpositionResult Read(ReadOnlySpan<byte> data)
    {
        var position = 0;
        var lineNumber = 0;
        var sawEof = false;
        var stop = false;

        // Each iteration consumes at least one byte, so the loop ends.
        while (position < data.Length && !stop)
        {
            lineNumber++;
            var rest = data[position..];
            var newline = rest.IndexOf((byte)'\n');
            var line = newline >= 0 ? rest[..newline] : rest;
            position += newline >= 0 ? newline + 1 : rest.Length;

            if (line.Length > _options.MaxLineLength)
            {
                stop = !AddError(lineNumber, _options.MaxLineLength + 1, $"line longer than {_options.MaxLineLength} bytes");
                continue;
            }

            var kind = _openMetrics ? ReadOpenMetricsLine(line) : ReadPrometheusLine(line);
            switch (kind)
            {
                case LineKind.Error:
                    stop = !AddError(lineNumber, _errorColumn, _errorReason) || _sampleLimitExceeded;
                    break;
                case LineKind.Eof:
                    sawEof = true;
                    stop = true;
                    if (position < data.Length)
                    {
                        AddError(lineNumber + 1, 1, "unexpected data after # EOF");
                    }

                    break;
                case LineKind.Sample or LineKind.Metadata when newline < 0 && !_openMetrics:
                    // Prometheus requires the last entry to be terminated; a cut-off body must not pass as whole.
                    stop = !AddError(lineNumber, line.Length + 1, "data does not end with a newline");
                    break;
            }
        }

        if (_openMetrics && !sawEof && !_sampleLimitExceeded && _errors.Count < _options.MaxErrors)
        {
            AddError(lineNumber + 1, 1, "data does not end with # EOF");
        }

        return new ExpositionResult(_samples, _families, _errors);
    }

    private bool AddError(int line, int column, string reason)
    {
        _errors.Add(new ExpositionError(line, column, reason));
        return _errors.Count < _options.MaxErrors;
    }

    private LineKind Fail(int index, string reason)
    {
        _errorColumn = index + 1;
        _errorReason = reason;
        return LineKind.Error;
    }

    // ---- Prometheus text 0.0.4 ----

    private LineKind ReadPrometheusLine(ReadOnlySpan<byte> line)
    {
        var i = SkipBlanks(line, 0);
        if (i == line.Length)
        {
            return LineKind.Blank;
        }

        if (line[i] != '#')
        {
            return ReadSample(line, i);
        }

        i++;
        if (i == line.Length || !IsBlank(line[i]))
        {
            return LineKind.Comment;
        }

        i = SkipBlanks(line, i);
        var keyword = line[i..];
        if (keyword.Length > 4 && IsBlank(keyword[4]))
        {
            if (keyword.StartsWith("HELP"u8))
            {
                return ReadMetadata(line, SkipBlanks(line, i + 4), "HELP");
            }

            if (keyword.StartsWith("TYPE"u8))
            {
                return ReadMetadata(line, SkipBlanks(line, i + 4), "TYPE");
            }
        }

        return LineKind.Comment;
    }

    // ---- OpenMetrics 1.0 ----

    private LineKind ReadOpenMetricsLine(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty)
        {
            return Fail(0, "blank lines are not allowed in OpenMetrics");
        }

        if (line[0] != '#')
        {
            return ReadSample(line, 0);
        }

        if (line.SequenceEqual("# EOF"u8))
        {
            return LineKind.Eof;
        }

        if (line.StartsWith("# HELP "u8))
        {
            return ReadMetadata(line, 7, "HELP");
        }

        if (line.StartsWith("# TYPE "u8))
        {
            return ReadMetadata(line, 7, "TYPE");
        }

        if (line.StartsWith("# UNIT "u8))
        {
            return ReadMetadata(line, 7, "UNIT");
        }

        return Fail(0, "expected # HELP, # TYPE, # UNIT or # EOF: OpenMetrics allows no other comments");
    }

    // ---- shared ----

    private LineKind ReadMetadata(ReadOnlySpan<byte> line, int i, string keyword)
    {
        if (i == line.Length || !IsMetricNameStart(line[i]))
        {
            return Fail(i, $"expected metric name after {keyword}");
        }

        var nameStart = i;
        while (i < line.Length && IsMetricNameChar(line[i]))
        {
            i++;
        }

        var nameBytes = line[nameStart..i];
        ReadOnlySpan<byte> text;
        if (i == line.Length)
        {
            if (_openMetrics)
            {
                return Fail(i, $"expected text in {keyword}");
            }

            text = [];
        }
        else if (_openMetrics ? line[i] != ' ' : !IsBlank(line[i]))
        {
            return Fail(i, $"expected a space after the metric name in {keyword}");
        }
        else
        {
            // Exactly one separator; the rest is the text, as in Prometheus.
            text = line[(i + 1)..];
        }

        var textIndex = i + 1;
        var name = _names.Get(nameBytes);
        switch (keyword)
        {
            case "TYPE":
                if (!TryParseType(text, out var type))
                {
                    return Fail(textIndex, $"invalid metric type \"{Printable(text)}\"");
                }

                _currentType = type;
                UpdateFamily(name, family => family with { Type = type });
                return LineKind.Metadata;
            case "HELP":
                if (!Utf8.IsValid(text))
                {
                    return Fail(textIndex, "help text is not valid UTF-8");
                }

                var help = Unescape(text, _openMetrics ? EscapeSet.OpenMetricsHelp : EscapeSet.PrometheusHelp);
                UpdateFamily(name, family => family with { Help = help });
                return LineKind.Metadata;
            default:
                if (!text.IsEmpty)
                {
                    if (!Utf8.IsValid(text))
                    {
                        return Fail(textIndex, "unit is not valid UTF-8");
                    }

                    if (nameBytes.Length < text.Length + 1 || !nameBytes.EndsWith(text) ||
                        nameBytes[nameBytes.Length - text.Length - 1] != '_')
                    {
                        return Fail(textIndex, $"unit \"{Printable(text)}\" not a suffix of metric \"{name}\"");
                    }
                }

                var unit = Encoding.UTF8.GetString(text);
                UpdateFamily(name, family => family with { Unit = unit });
                return LineKind.Metadata;
        }
    }

    private bool TryParseType(ReadOnlySpan<byte> text, out MetricType type)
    {
        type = MetricType.Unknown;
        if (text.SequenceEqual("counter"u8))
        {
            type = MetricType.Counter;
        }
        else if (text.SequenceEqual("gauge"u8))
        {
            type = MetricType.Gauge;
        }
        else if (text.SequenceEqual("histogram"u8))
        {
            type = MetricType.Histogram;
        }
        else if (text.SequenceEqual("summary"u8))
        {
            type = MetricType.Summary;
        }
        else if (_openMetrics ? text.SequenceEqual("unknown"u8) : text.SequenceEqual("untyped"u8))
        {
            type = MetricType.Unknown;
        }
        else if (!_openMetrics)
        {
            return false;
        }
        else if (text.SequenceEqual("gaugehistogram"u8))
        {
            type = MetricType.GaugeHistogram;
        }
        else if (text.SequenceEqual("info"u8))
        {
            type = MetricType.Info;
        }
        else if (text.SequenceEqual("stateset"u8))
        {
            type = MetricType.StateSet;
        }
        else
        {
            return false;
        }

        return true;
    }

    private void UpdateFamily(string name, Func<MetricMetadata, MetricMetadata> update)
    {
        if (_familyIndex.TryGetValue(name, out var index))
        {
            _families[index] = update(_families[index]);
            return;
        }

        _familyIndex[name] = _families.Count;
        _families.Add(update(new MetricMetadata(name, MetricType.Unknown, string.Empty, string.Empty)));
    }

    private LineKind ReadSample(ReadOnlySpan<byte> line, int i)
    {
        if (!IsMetricNameStart(line[i]))
        {
            return Fail(i, line[i] == '{'
                ? "expected metric name before '{' (quoted metric names are not supported)"
                : "expected metric name");
        }

        var nameStart = i;
        while (i < line.Length && IsMetricNameChar(line[i]))
        {
            i++;
        }

        _labelCount = 0;
        AddLabel(LabelSet.MetricNameLabel, _names.Get(line[nameStart..i]));

        if (!_openMetrics)
        {
            i = SkipBlanks(line, i);
        }

        if (i < line.Length && line[i] == '{')
        {
            var result = ReadLabels(line, ref i, exemplar: false);
            if (result != LineKind.Sample)
            {
                return result;
            }

            if (!_openMetrics)
            {
                i = SkipBlanks(line, i);
            }
        }

        if (_openMetrics)
        {
            if (i == line.Length || line[i] != ' ')
            {
                return Fail(i, "expected a single space and a value after the metric");
            }

            i++;
        }

        var valueStart = i;
        while (i < line.Length && !EndsValue(line[i]))
        {
            i++;
        }

        if (i == valueStart)
        {
            return Fail(i, "expected value after metric");
        }

        if (!ExpositionFloat.TryParse(line[valueStart..i], out var value, out var reason))
        {
            return Fail(valueStart, $"invalid value \"{Printable(line[valueStart..i])}\": {reason}");
        }

        var timestampMs = _scrapeTimestampMs;
        var tail = _openMetrics
            ? ReadOpenMetricsSuffix(line, i, ref timestampMs)
            : ReadPrometheusSuffix(line, i, ref timestampMs);
        if (tail != LineKind.Sample)
        {
            return tail;
        }

        if (_samples.Count >= _options.SampleLimit)
        {
            _sampleLimitExceeded = true;
            return Fail(nameStart, $"sample limit of {_options.SampleLimit} exceeded");
        }

        // LabelSet.From copies what it is given, so the scratch array is reused for the next line.
        var labels = LabelSet.From(new ArraySegment<Label>(_labels, 0, _labelCount));
        _samples.Add(new SeriesSample(labels, timestampMs, value));
        return LineKind.Sample;
    }

    private LineKind ReadPrometheusSuffix(ReadOnlySpan<byte> line, int i, ref long timestampMs)
    {
        i = SkipBlanks(line, i);
        if (i == line.Length)
        {
            return LineKind.Sample;
        }

        var start = i;
        long ts = 0;
        while (i < line.Length && (uint)(line[i] - '0') <= 9)
        {
            var digit = line[i] - '0';
            if (ts > (long.MaxValue - digit) / 10)
            {
                return Fail(start, "timestamp out of range");
            }

            ts = (ts * 10) + digit;
            i++;
        }

        if (i == start || (i < line.Length && !IsBlank(line[i])))
        {
            return Fail(start, "expected timestamp (integer milliseconds) or end of line");
        }

        i = SkipBlanks(line, i);
        if (i != line.Length)
        {
            return Fail(i, "expected end of line after timestamp");
        }

        timestampMs = ts;
        return LineKind.Sample;
    }

    private LineKind ReadOpenMetricsSuffix(ReadOnlySpan<byte> line, int i, ref long timestampMs)
    {
        if (i == line.Length)
        {
            return LineKind.Sample;
        }

        // The value ended at a space.
        i++;
        if (!line[i..].StartsWith("# {"u8))
        {
            var start = i;
            while (i < line.Length && line[i] != ' ')
            {
                i++;
            }

            if (!TryParseOpenMetricsTimestamp(line[start..i], start, out timestampMs))
            {
                return LineKind.Error;
            }

            if (i == line.Length)
            {
                return LineKind.Sample;
            }

            i++;
            if (!line[i..].StartsWith("# {"u8))
            {
                return Fail(i, "expected end of line or exemplar after timestamp");
            }
        }

        return ReadExemplar(line, i + 2);
    }

    // Exemplars are checked for syntax, as Prometheus does, and then dropped: they never become samples.
    private LineKind ReadExemplar(ReadOnlySpan<byte> line, int i)
    {
        var result = ReadLabels(line, ref i, exemplar: true);
        if (result != LineKind.Sample)
        {
            return result;
        }

        if (i == line.Length || line[i] != ' ')
        {
            return Fail(i, "expected a space and a value after exemplar labels");
        }

        var start = ++i;
        while (i < line.Length && line[i] != ' ')
        {
            i++;
        }

        if (!ExpositionFloat.TryParse(line[start..i], out _, out var reason))
        {
            return Fail(start, $"invalid exemplar value \"{Printable(line[start..i])}\": {reason}");
        }

        if (i == line.Length)
        {
            return LineKind.Sample;
        }

        start = ++i;
        while (i < line.Length && line[i] != ' ')
        {
            i++;
        }

        if (!TryParseOpenMetricsTimestamp(line[start..i], start, out _))
        {
            return LineKind.Error;
        }

        return i == line.Length ? LineKind.Sample : Fail(i, "expected end of line after exemplar timestamp");
    }

    private bool TryParseOpenMetricsTimestamp(ReadOnlySpan<byte> text, int column, out long timestampMs)
    {
        timestampMs = 0;
        if (!ExpositionFloat.TryParse(text, out var seconds, out var reason))
        {
            Fail(column, $"invalid timestamp \"{Printable(text)}\": {reason}");
            return false;
        }

        // Seconds with a fraction; Prometheus truncates to whole milliseconds.
        var ms = seconds * 1000;
        if (double.IsNaN(ms) || double.IsInfinity(ms) || ms >= 9.2e18 || ms <= -9.2e18)
        {
            Fail(column, $"invalid timestamp \"{Printable(text)}\"");
            return false;
        }

        timestampMs = (long)ms;
        return true;
    }

    private LineKind ReadLabels(ReadOnlySpan<byte> line, ref int i, bool exemplar)
    {
        i++; // '{'
        var exemplarLabels = 0;

        // Each iteration consumes at least one label or the closing brace, so the loop ends.
        while (true)
        {
            if (!_openMetrics)
            {
                i = SkipBlanks(line, i);
            }

            if (i == line.Length)
            {
                return Fail(i, "unexpected end of line in label set");
            }

            if (line[i] == '}')
            {
                i++;
                return LineKind.Sample;
            }

            if (!IsLabelNameStart(line[i]))
            {
                return Fail(i, line[i] == '"' ? "quoted label names are not supported" : "expected label name");
            }

            var nameStart = i;
            while (i < line.Length && IsLabelNameChar(line[i]))
            {
                i++;
            }

            var nameBytes = line[nameStart..i];
            if (!_openMetrics)
            {
                i = SkipBlanks(line, i);
            }

            if (i == line.Length || line[i] != '=')
            {
                return Fail(i, "expected '=' after label name");
            }

            i++;
            if (!_openMetrics)
            {
                i = SkipBlanks(line, i);
            }

            if (i == line.Length || line[i] != '"')
            {
                return Fail(i, "expected label value in double quotes");
            }

            var valueStart = ++i;
            var escaped = false;
            while (i < line.Length && line[i] != '"')
            {
                if (line[i] == '\\')
                {
                    escaped = true;
                    i++;
                }

                i++;
            }

            if (i >= line.Length)
            {
                return Fail(valueStart - 1, "unterminated label value");
            }

            var rawValue = line[valueStart..i];
            i++; // closing quote
            if (!Utf8.IsValid(rawValue))
            {
                return Fail(valueStart, "invalid UTF-8 in label value");
            }

            if (exemplar)
            {
                if (++exemplarLabels > _options.MaxLabelCount)
                {
                    return Fail(nameStart, $"too many exemplar labels (limit {_options.MaxLabelCount})");
                }
            }
            else
            {
                var name = _names.Get(nameBytes);
                for (var k = 0; k < _labelCount; k++)
                {
                    if (string.Equals(_labels[k].Name, name, StringComparison.Ordinal))
                    {
                        return Fail(nameStart, $"duplicate label name \"{name}\"");
                    }
                }

                if (_labelCount > _options.MaxLabelCount)
                {
                    return Fail(nameStart, $"too many labels (limit {_options.MaxLabelCount})");
                }

                AddLabel(name, LabelValue(name, rawValue, escaped));
            }

            if (!_openMetrics)
            {
                // Prometheus 0.0.4 accepts a trailing comma and even no comma between labels.
                i = SkipBlanks(line, i);
                if (i < line.Length && line[i] == ',')
                {
                    i++;
                }
            }
            else if (i < line.Length && line[i] == ',')
            {
                i++;
            }
            else if (i == line.Length || line[i] != '}')
            {
                return Fail(i, "expected ',' or '}' after label value");
            }
        }
    }

    private string LabelValue(string name, ReadOnlySpan<byte> raw, bool escaped)
    {
        var decoded = escaped ? UnescapeToScratch(raw, EscapeSet.LabelValue) : raw;
        var normalise = (_currentType == MetricType.Histogram && name == "le") ||
                        (_currentType == MetricType.Summary && name == "quantile");
        if (!normalise)
        {
            return _values.Get(decoded);
        }

        // Prometheus rewrites bucket bounds and quantiles canonically, so "1", "1.0" and "1e0" are one series.
        if (_normalisedValues.TryGet(decoded, out var cached))
        {
            return cached;
        }

        var text = _values.Get(decoded);
        var result = ExpositionFloat.TryParse(decoded, out var f, out _) ? ExpositionFloat.FormatOpenMetrics(f) : text;
        _normalisedValues.Set(decoded, result);
        return result;
    }

    private void AddLabel(string name, string value)
    {
        if (_labelCount == _labels.Length)
        {
            Array.Resize(ref _labels, _labels.Length * 2);
        }

        _labels[_labelCount++] = new Label(name, value);
    }

    private enum EscapeSet
    {
        LabelValue,
        PrometheusHelp,
        OpenMetricsHelp,
    }

    private string Unescape(ReadOnlySpan<byte> text, EscapeSet set) =>
        text.IndexOf((byte)'\\') < 0 ? Encoding.UTF8.GetString(text) : Encoding.UTF8.GetString(UnescapeToScratch(text, set));

    // Replaces \\ and \n (and \" where the format allows it); any other backslash sequence is kept as it is,
    // as Prometheus's replacer does.
    private ReadOnlySpan<byte> UnescapeToScratch(ReadOnlySpan<byte> text, EscapeSet set)
    {
        if (_scratch.Length < text.Length)
        {
            _scratch = new byte[Math.Max(text.Length, _scratch.Length * 2)];
        }

        var n = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var b = text[i];
            if (b == '\\' && i + 1 < text.Length)
            {
                var next = text[i + 1];
                var replacement = next switch
                {
                    (byte)'\\' => (byte)'\\',
                    (byte)'n' => (byte)'\n',
                    (byte)'"' when set != EscapeSet.PrometheusHelp => (byte)'"',
                    _ => (byte)0,
                };
                if (replacement != 0)
                {
                    _scratch[n++] = replacement;
                    i++;
                    continue;
                }
            }

            _scratch[n++] = b;
        }

        return _scratch.AsSpan(0, n);
    }

    private bool EndsValue(byte b) => _openMetrics ? b == ' ' : b is (byte)' ' or (byte)'\t' or (byte)'{';

    private static int SkipBlanks(ReadOnlySpan<byte> line, int i)
    {
        while (i < line.Length && IsBlank(line[i]))
        {
            i++;
        }

        return i;
    }

    private static bool IsBlank(byte b) => b is (byte)' ' or (byte)'\t';

    private static bool IsLabelNameStart(byte b) => (uint)((b | 0x20) - 'a') <= 'z' - 'a' || b == '_';

    private static bool IsLabelNameChar(byte b) => IsLabelNameStart(b) || (uint)(b - '0') <= 9;

    private static bool IsMetricNameStart(byte b) => IsLabelNameStart(b) || b == ':';

    private static bool IsMetricNameChar(byte b) => IsLabelNameChar(b) || b == ':';

    // For error messages: the offending text, decoded leniently and cut short.
    private static string Printable(ReadOnlySpan<byte> text)
    {
        const int max = 64;
        var s = Encoding.UTF8.GetString(text.Length > max ? text[..max] : text);
        return text.Length > max ? s + "…" : s;
    }
}
