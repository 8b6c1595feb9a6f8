namespace Vigil.Core.PromQl;

/// <summary>A parse failure with the zero-based character position where it happened.</summary>
public sealed class PromQlParseException(string message, int position) : Exception($"{message} at position {position}")
{
    /// <summary>Zero-based character offset in the input.</summary>
    public int Position { get; } = position;

    /// <summary>The reason, without the position.</summary>
    public string Reason { get; } = message;
}
