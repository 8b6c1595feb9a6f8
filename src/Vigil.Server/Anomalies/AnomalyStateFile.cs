using System.IO.Compression;
using System.Text.Json;
using Vigil.Core.Anomalies;
using Vigil.Core.Anomalies.Watching;

namespace Vigil.Server.Anomalies;

/// <summary>
/// One series' saved state: which watch (name and query) and series it belongs to, its detector's state and its event
/// tracker's (null in files written before trackers were saved: no event open).
/// </summary>
internal sealed record SavedDetector(string Key, AnomalyDetectorState State, AnomalyEventTrackerState? Tracker = null);

/// <summary>What <see cref="AnomalyStateFile.LoadAsync"/> read: the saved states by key, and whether the file was damaged.</summary>
internal sealed record SavedStates(Dictionary<string, SavedDetector> States, bool Damaged);

/// <summary>
/// Detector and event tracker states saved across restarts in <c>&lt;data&gt;/anomaly-detectors.json.gz</c> (gzip-compressed
/// JSON, written to a temporary file and renamed). A detector resumes only for the same watch name, query and series; a
/// damaged file is renamed to <c>.damaged</c> and the detectors start afresh (the replay warms them).
/// </summary>
internal sealed partial class AnomalyStateFile(string? path, ILogger<AnomalyStateFile> logger)
{
    // States may hold infinities (an untouched alarm counter is int.MaxValue; spreads may start infinite).
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>The file's name in the data folder.</summary>
    public const string FileName = "anomaly-detectors.json.gz";

    /// <summary>The key of a series of a watch: name, query and series labels (a changed query starts afresh).</summary>
    public static string Key(AnomalyWatch watch, string seriesKey) => $"{watch.Name}\n{watch.Query}\n{seriesKey}";

    /// <summary>The saved states by key; empty when there is no file (or no path: saving is off) or it is damaged.</summary>
    public async Task<SavedStates> LoadAsync(CancellationToken cancellationToken)
    {
        var states = new Dictionary<string, SavedDetector>(StringComparer.Ordinal);
        if (path is null || !File.Exists(path))
        {
            return new SavedStates(states, Damaged: false);
        }

        try
        {
            await using var file = File.OpenRead(path);
            await using var gzip = new GZipStream(file, CompressionMode.Decompress);
            var saved = await JsonSerializer.DeserializeAsync<List<SavedDetector>>(gzip, Json, cancellationToken).ConfigureAwait(false) ?? [];
            foreach (var s in saved.Where(s => s.Key is not null && s.State is not null))
            {
                states[s.Key] = s;
            }

            Log.Loaded(logger, states.Count, path);
            return new SavedStates(states, Damaged: false);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or JsonException or UnauthorizedAccessException)
        {
            Log.Damaged(logger, path, ex.Message);
            try
            {
                File.Move(path, path + ".damaged", overwrite: true);
            }
            catch (Exception move) when (move is IOException or UnauthorizedAccessException)
            {
                Log.Damaged(logger, path, move.Message);
            }

            states.Clear();
            return new SavedStates(states, Damaged: true);
        }
    }

    /// <summary>Writes the states (temporary file, then rename); logs and swallows failures.</summary>
    public async Task SaveAsync(IReadOnlyList<SavedDetector> detectors)
    {
        if (path is null)
        {
            return;
        }

        var temporary = path + ".tmp";
        try
        {
            await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await using (var gzip = new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true))
                {
                    await JsonSerializer.SerializeAsync(gzip, detectors, Json).ConfigureAwait(false);
                }

                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            Log.SaveFailed(logger, path, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9330, Level = LogLevel.Information, Message = "Anomalies: {Count} detector state(s) resumed from {Path}")]
        public static partial void Loaded(ILogger logger, int count, string path);

        [LoggerMessage(EventId = 9331, Level = LogLevel.Warning, Message = "Anomalies: cannot read {Path} ({Reason}); detectors start afresh")]
        public static partial void Damaged(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = 9332, Level = LogLevel.Warning, Message = "Anomalies: cannot save detector states to {Path}: {Reason}")]
        public static partial void SaveFailed(ILogger logger, string path, string reason);
    }
}
