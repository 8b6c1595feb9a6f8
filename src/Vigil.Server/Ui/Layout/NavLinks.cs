namespace Vigil.Server.Ui.Layout;

/// <summary>The main navigation, in order. A capability that adds a page adds its link here.</summary>
public static class NavLinks
{
    /// <summary>One entry of the navigation bar.</summary>
    /// <param name="Title">The visible (and accessible) name.</param>
    /// <param name="Href">The page's path; the link is current for this path and everything under it.</param>
    public sealed record NavLink(string Title, string Href);

    /// <summary>Every link of the navigation bar.</summary>
    public static IReadOnlyList<NavLink> All { get; } =
    [
        new("Overview", "/"),
        new("Releases", "/releases"),
        new("Explore", "/explore"),
        new("Checks", "/checks"),
        new("Drift", "/drift"),
        new("Anomalies", "/anomalies"),
    ];
}
