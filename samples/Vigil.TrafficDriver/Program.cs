using System.Diagnostics;
using System.Runtime.InteropServices;
using Vigil.TrafficDriver;

DriverOptions? options;
try
{
    options = DriverOptions.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync("Vigil.TrafficDriver: " + e.Message);
    return 3;
}

if (options is null)
{
    Console.WriteLine(DriverOptions.Usage);
    return 0;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
using var http = new HttpClient(new SocketsHttpHandler
{
    MaxConnectionsPerServer = options.Concurrency,
    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
})
{
    Timeout = options.RequestTimeout,
};

var statistics = new TrafficStatistics(options.Targets);
var picker = new WeightedRoundRobin<Uri>(options.Targets.Select(t => (t.Url, t.Weight)).ToList());
var inFlight = new SemaphoreSlim(options.Concurrency, options.Concurrency);
var clock = Stopwatch.StartNew();
Console.WriteLine(
    $"driving {options.RequestsPerSecond} requests/s over {string.Join(", ", options.Targets.Select(t => $"{t.Url} (weight {t.Weight})"))}" +
    (options.Duration is { } d ? $" for {d.TotalSeconds}s" : " until stopped"));

var reporter = Task.Run(async () =>
{
    using var timer = new PeriodicTimer(options.ReportEvery);
    try
    {
        while (await timer.WaitForNextTickAsync(stop.Token))
        {
            Console.WriteLine(statistics.Line(clock.Elapsed, string.Empty));
        }
    }
    catch (OperationCanceledException)
    {
        // Stopping: the final line is printed below.
    }
});

// Request i is due at start + i / rps: a fixed schedule, so a slow target makes requests late, never fewer (up to
// the concurrency bound, where the schedule waits for a free slot).
var pending = new List<Task>();
try
{
    for (long i = 0; ; i++)
    {
        // The duration ends the schedule, not a timer: a run of 5s at 40/s sends exactly 200 requests.
        var due = TimeSpan.FromSeconds(i / options.RequestsPerSecond);
        if (options.Duration is { } limit && due >= limit)
        {
            break;
        }

        var wait = due - clock.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, stop.Token);
        }

        await inFlight.WaitAsync(stop.Token);
        var target = picker.Next();
        pending.Add(SendAsync(target));
        if (pending.Count >= 4 * options.Concurrency)
        {
            pending.RemoveAll(t => t.IsCompleted);
        }
    }
}
catch (OperationCanceledException)
{
    // Duration over, or stopped.
}

await Task.WhenAll(pending);
await stop.CancelAsync();
await reporter;
Console.WriteLine(statistics.Line(clock.Elapsed, "done: ", wholeRun: true));
return 0;

async Task SendAsync(Uri target)
{
    var started = Stopwatch.GetTimestamp();
    var error = true;
    try
    {
        // Not tied to the stop token: a request that went out is waited for, so the final counts are exact.
        using var response = await http.GetAsync(target, HttpCompletionOption.ResponseHeadersRead);
        error = !response.IsSuccessStatusCode;
    }
    catch (HttpRequestException)
    {
        // Counted as an error.
    }
    catch (TaskCanceledException)
    {
        // Timed out: counted as an error.
    }
    finally
    {
        statistics.Record(target, error, Stopwatch.GetElapsedTime(started));
        inFlight.Release();
    }
}
