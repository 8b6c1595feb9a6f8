using Google.Protobuf;
using Vigil.Server.Otlp;
using Vigil.Server.Otlp.Protos.Common;
using Vigil.Server.Otlp.Protos.Logs;
using static Vigil.Server.Tests.Otlp.OtlpTestData;

namespace Vigil.Server.Tests.Otlp;

public class OtlpLogsIngestTests
{
    private readonly IntakeFixture _fixture = new();

    [Fact]
    public async Task IngestAsync_Record_ConvertsAllFields()
    {
        var record = new LogRecord
        {
            TimeUnixNano = Nanos(IntakeFixture.Now.AddSeconds(-1)),
            ObservedTimeUnixNano = Nanos(IntakeFixture.Now),
            SeverityNumber = SeverityNumber.Error,
            SeverityText = "Error",
            Body = new AnyValue { StringValue = "payment failed" },
            TraceId = ByteString.CopyFrom(Convert.FromHexString("0102030405060708090A0B0C0D0E0F10")),
            SpanId = ByteString.CopyFrom(Convert.FromHexString("A1A2A3A4A5A6A7A8")),
        };
        record.Attributes.Add(Attr("order.id", 42));

        var outcome = await _fixture.LogsIngest.IngestAsync(Logs(record), "http", CancellationToken.None);

        Assert.Equal(0, outcome.Rejected);
        var log = _fixture.Writer.Logs.Single();
        Assert.Equal((long)Nanos(IntakeFixture.Now.AddSeconds(-1)), log.TimeUnixNano);
        Assert.Equal(17, log.SeverityNumber);
        Assert.Equal("Error", log.SeverityText);
        Assert.Equal("payment failed", log.Body);
        Assert.Equal("0102030405060708090a0b0c0d0e0f10", log.TraceId);
        Assert.Equal("a1a2a3a4a5a6a7a8", log.SpanId);
        Assert.Equal("42", log.Attributes.Single().Value);
        Assert.Equal("checkout", log.Resource.ServiceName);
        Assert.Equal("app.logger", log.ScopeName);
    }

    [Fact]
    public async Task IngestAsync_NoTimestamp_FallsBackToObservedThenReceiveTime()
    {
        var observedOnly = new LogRecord { ObservedTimeUnixNano = Nanos(IntakeFixture.Now.AddSeconds(-2)), Body = new AnyValue { StringValue = "a" } };
        var none = new LogRecord { Body = new AnyValue { StringValue = "b" } };

        await _fixture.LogsIngest.IngestAsync(Logs(observedOnly, none), "http", CancellationToken.None);

        var logs = _fixture.Writer.Logs.ToList();
        Assert.Equal((long)Nanos(IntakeFixture.Now.AddSeconds(-2)), logs[0].TimeUnixNano);
        Assert.Equal((long)Nanos(IntakeFixture.Now), logs[1].TimeUnixNano);
        Assert.Equal((long)Nanos(IntakeFixture.Now), logs[1].ObservedTimeUnixNano);
    }

    [Fact]
    public async Task IngestAsync_StructuredBody_IsJson()
    {
        var body = new AnyValue { KvlistValue = new KeyValueList() };
        body.KvlistValue.Values.Add(Attr("user", "ann"));
        var list = new AnyValue { ArrayValue = new ArrayValue() };
        list.ArrayValue.Values.Add(new AnyValue { IntValue = 1 });
        list.ArrayValue.Values.Add(new AnyValue { BoolValue = true });
        list.ArrayValue.Values.Add(new AnyValue { DoubleValue = 1.5 });
        body.KvlistValue.Values.Add(new KeyValue { Key = "tags", Value = list });

        await _fixture.LogsIngest.IngestAsync(Logs(new LogRecord { Body = body }, new LogRecord { Body = new AnyValue { IntValue = 7 } }), "http", CancellationToken.None);

        var logs = _fixture.Writer.Logs.ToList();
        Assert.Equal("{\"user\":\"ann\",\"tags\":[1,true,1.5]}", logs[0].Body);
        Assert.Equal("7", logs[1].Body);
    }

    [Fact]
    public async Task IngestAsync_MalformedIds_KeepsRecordWithoutIds()
    {
        var record = new LogRecord { Body = new AnyValue { StringValue = "x" }, TraceId = ByteString.CopyFrom(1, 2, 3) };

        var outcome = await _fixture.LogsIngest.IngestAsync(Logs(record), "http", CancellationToken.None);

        Assert.Equal(0, outcome.Rejected);
        Assert.Equal(string.Empty, _fixture.Writer.Logs.Single().TraceId);
    }

    [Fact]
    public async Task IngestAsync_TooOldRecord_IsPartialSuccess()
    {
        var old = new LogRecord { TimeUnixNano = Nanos(IntakeFixture.Now.AddDays(-20)), Body = new AnyValue { StringValue = "old" } };
        var fresh = new LogRecord { TimeUnixNano = Nanos(IntakeFixture.Now), Body = new AnyValue { StringValue = "new" } };

        var outcome = await _fixture.LogsIngest.IngestAsync(Logs(old, fresh), "http", CancellationToken.None);

        Assert.Equal(1, outcome.Rejected);
        Assert.StartsWith("log record: timestamp 2025-05-12", outcome.Message, StringComparison.Ordinal);
        Assert.Equal("new", _fixture.Writer.Logs.Single().Body);
    }
}
