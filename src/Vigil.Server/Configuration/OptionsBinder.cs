using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Vigil.Core.Time;

namespace Vigil.Server.Configuration;

/// <summary>
/// Binds a configuration section onto an options object and collects every error (unknown setting, value of the
/// wrong shape) instead of stopping at the first, so a user fixes their file in one pass. Durations accept the
/// Prometheus form (<c>15d</c>, <c>30s</c>); properties whose name ends in <c>Bytes</c> accept sizes
/// (<c>512MiB</c>, <c>10GB</c>).
/// </summary>
internal static class OptionsBinder
{
    /// <summary>Binds <paramref name="section"/> onto <paramref name="target"/>; errors name settings as <c>path.key</c> in camelCase, however they were spelled (environment variables are upper case).</summary>
    public static void Bind(IConfigurationSection section, object target, string path, List<string> errors)
    {
        var properties = target.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite || !IsScalar(p.PropertyType))
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var property))
            {
                var known = string.Join(", ", properties.Keys.Select(ToCamel).Order(StringComparer.Ordinal));
                errors.Add($"{path}.{child.Key}: unknown setting (known: {known})");
                continue;
            }

            var childPath = path + "." + ToCamel(property.Name);

            if (property.GetValue(target) is IConfigurationBindable bindable)
            {
                bindable.Bind(child, childPath, errors);
                continue;
            }

            if (!IsScalar(property.PropertyType))
            {
                var nested = property.GetValue(target);
                if (nested is not null)
                {
                    Bind(child, nested, childPath, errors);
                }

                continue;
            }

            if (child.Value is null)
            {
                if (child.GetChildren().Any())
                {
                    errors.Add($"{childPath}: expected a single value, found a section");
                }

                continue;
            }

            if (TryConvert(child.Value, property, out var value, out var reason))
            {
                property.SetValue(target, value);
            }
            else
            {
                errors.Add($"{childPath}: {reason}");
            }
        }
    }

    private static string ToCamel(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];

    private static bool IsScalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(decimal);
    }

    private static bool TryConvert(string text, PropertyInfo property, out object? value, out string reason)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        value = null;
        reason = string.Empty;
        text = text.Trim();
        if (text.Length == 0 && Nullable.GetUnderlyingType(property.PropertyType) is not null)
        {
            return true;
        }

        if (type == typeof(string))
        {
            value = text;
            return true;
        }

        if (type == typeof(bool))
        {
            if (bool.TryParse(text, out var b))
            {
                value = b;
                return true;
            }

            reason = $"'{text}' is not true or false";
            return false;
        }

        if (type == typeof(TimeSpan))
        {
            if (DurationParser.TryParse(text, out var d, out var error))
            {
                value = d;
                return true;
            }

            reason = error;
            return false;
        }

        if (type.IsEnum)
        {
            if (Enum.TryParse(type, text, ignoreCase: true, out var e) && Enum.IsDefined(type, e))
            {
                value = e;
                return true;
            }

            reason = $"'{text}' is not one of {string.Join(", ", Enum.GetNames(type).Select(ToCamel))}";
            return false;
        }

        if (property.Name.EndsWith("Bytes", StringComparison.Ordinal) && (type == typeof(long) || type == typeof(int)))
        {
            if (ByteSizeParser.TryParse(text, out var bytes) && (type == typeof(long) || bytes <= int.MaxValue))
            {
                value = type == typeof(long) ? bytes : (object)(int)bytes;
                return true;
            }

            reason = $"'{text}' is not a size (use e.g. 1048576, 512KiB, 64MiB, 10GiB)";
            return false;
        }

        if (type == typeof(int) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i))
        {
            value = i;
            return true;
        }

        if (type == typeof(long) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
        {
            value = l;
            return true;
        }

        if (type == typeof(double) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var dbl))
        {
            value = dbl;
            return true;
        }

        reason = $"'{text}' is not a valid {(type == typeof(double) ? "number" : "whole number")}";
        return false;
    }
}

/// <summary>A setting that binds itself (a list of entries), collecting its errors as <c>path: reason</c>.</summary>
public interface IConfigurationBindable
{
    /// <summary>Binds <paramref name="section"/>; <paramref name="path"/> names it in errors.</summary>
    void Bind(IConfigurationSection section, string path, List<string> errors);
}

/// <summary>Parses sizes: a plain number of bytes, or a number with KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024).</summary>
internal static class ByteSizeParser
{
    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        var i = 0;
        while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
        {
            i++;
        }

        if (i == 0 || !double.TryParse(text.AsSpan(0, i), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        double multiplier = text[i..].Trim().ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "KB" => 1e3,
            "MB" => 1e6,
            "GB" => 1e9,
            "TB" => 1e12,
            "KIB" => 1024,
            "MIB" => 1024 * 1024,
            "GIB" => 1024.0 * 1024 * 1024,
            "TIB" => 1024.0 * 1024 * 1024 * 1024,
            _ => -1,
        };
        if (multiplier < 0 || amount * multiplier > long.MaxValue)
        {
            return false;
        }

        bytes = (long)(amount * multiplier);
        return true;
    }
}
