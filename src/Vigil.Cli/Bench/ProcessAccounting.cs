using System.Globalization;
using System.Runtime.InteropServices;

namespace Vigil.Cli.Bench;

/// <summary>
/// A process's CPU and memory as the Linux kernel accounts them: user plus system CPU time from
/// <c>/proc/PID/stat</c> (fields 14 and 15, in clock ticks) and the peak resident set from <c>/proc/PID/status</c>
/// (<c>VmHWM</c>). Independent of what the process says about itself.
/// </summary>
internal static class ProcessAccounting
{
    private const int ScClkTck = 2;

    private static readonly Lazy<double> TicksPerSecond = new(() =>
    {
        var ticks = SysConf(ScClkTck);
        return ticks > 0 ? ticks : 100;
    });

    /// <summary>User plus system CPU seconds the process has used so far.</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state); utime is field 14, stime field 15.
        var utime = long.Parse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture);
        var stime = long.Parse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture);
        return (utime + stime) / TicksPerSecond.Value;
    }

    /// <summary>The peak resident set size in bytes (VmHWM), or 0 when the kernel does not say.</summary>
    public static long PeakRssBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var value = line["VmHWM:".Length..].Trim();
                var space = value.IndexOf(' ', StringComparison.Ordinal);
                return long.Parse(space < 0 ? value : value[..space], NumberStyles.None, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    [DllImport("libc", EntryPoint = "sysconf")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern long SysConf(int name);
}
