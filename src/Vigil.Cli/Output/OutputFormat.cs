namespace Vigil.Cli.Output;

/// <summary>How results are printed: <c>table</c> for people, <c>json</c> (the API's own documents) for scripts.</summary>
internal enum OutputFormat
{
    Table,
    Json,
}
