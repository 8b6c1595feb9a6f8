namespace Vigil.Core.PromQl.Evaluation;

/// <summary>
/// The UTC calendar fields of a Unix second in the proleptic Gregorian calendar, for any <see cref="long"/> second
/// (years far beyond <see cref="DateTime"/>'s 1..9999), as Go's <c>time.Unix(s, 0).UTC()</c> gives them to
/// Prometheus's date functions.
/// </summary>
internal readonly record struct CivilTime(long Year, int Month, int Day, int DayOfYear, int DayOfWeek, int Hour, int Minute, int DaysInMonth)
{
    private const long SecondsPerDay = 86_400;

    /// <summary>The fields of <paramref name="seconds"/> since 1970-01-01T00:00:00Z (negative before).</summary>
    public static CivilTime FromUnixSeconds(long seconds)
    {
        var days = Math.DivRem(seconds, SecondsPerDay, out var secondOfDay);
        if (secondOfDay < 0)
        {
            days--;
            secondOfDay += SecondsPerDay;
        }

        // Days to civil date in 400-year eras of 146,097 days, counted from 0000-03-01 (Hinnant's algorithm).
        var z = days + 719_468;
        var era = (z >= 0 ? z : z - 146_096) / 146_097;
        var dayOfEra = z - (era * 146_097);
        var yearOfEra = (dayOfEra - (dayOfEra / 1_460) + (dayOfEra / 36_524) - (dayOfEra / 146_096)) / 365;
        var dayOfMarchYear = dayOfEra - ((365 * yearOfEra) + (yearOfEra / 4) - (yearOfEra / 100));
        var marchMonth = ((5 * dayOfMarchYear) + 2) / 153;
        var day = (int)(dayOfMarchYear - (((153 * marchMonth) + 2) / 5) + 1);
        var month = (int)(marchMonth < 10 ? marchMonth + 3 : marchMonth - 9);
        var year = yearOfEra + (era * 400) + (month <= 2 ? 1 : 0);

        var leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        int[] cumulative = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
        var dayOfYear = cumulative[month - 1] + day + (leap && month > 2 ? 1 : 0);
        int[] lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

        // 1970-01-01 was a Thursday (4); Sunday is 0.
        var dayOfWeek = (int)(((days % 7) + 7 + 4) % 7);
        return new CivilTime(year, month, day, dayOfYear, dayOfWeek, (int)(secondOfDay / 3_600), (int)(secondOfDay % 3_600 / 60), lengths[month - 1]);
    }
}
