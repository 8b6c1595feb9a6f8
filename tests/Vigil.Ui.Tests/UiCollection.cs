namespace Vigil.Ui.Tests;

/// <summary>
/// The one collection of the UI tests: every page test class joins it (<c>[Collection(UiCollection.Name)]</c>) and gets
/// the same <see cref="UiFixture"/>: one server with a finished release verification, one browser.
/// </summary>
[CollectionDefinition(Name)]
public sealed class UiCollection : ICollectionFixture<UiFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "ui";
}
