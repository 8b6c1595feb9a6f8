namespace Vigil.Core.Telemetry;

/// <summary>One label of a series: a name and a value, as Prometheus has them.</summary>
public readonly record struct Label(string Name, string Value);
