namespace Vigil.Client;

/// <summary>
/// No answer came from the Vigil server: the connection was refused or dropped, the name did not resolve, TLS failed,
/// or the request timed out.
/// </summary>
public sealed class VigilUnreachableException : Exception
{
    /// <summary>Creates the exception for <paramref name="server"/>, wrapping the transport error.</summary>
    public VigilUnreachableException(Uri server, string reason, Exception innerException)
        : base($"Cannot reach the Vigil server at {server}: {reason}", innerException)
    {
        Server = server;
    }

    /// <summary>The server's base address.</summary>
    public Uri Server { get; }
}
