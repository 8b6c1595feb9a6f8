namespace Vigil.Core.PromQl.Evaluation;

/// <summary>
/// A query that parsed but cannot be evaluated: a limit was exceeded, the data violates an operator's rules
/// (many-to-many matching), or the engine does not support a feature (the message then starts with <c>unsupported:</c>).
/// </summary>
public sealed class PromQlEvaluationException(string message) : Exception(message);
