namespace Vigil.Core.Drift.Sources;

/// <summary>
/// Environment variables from <see cref="SnapshotContext.Variables"/>: key = the variable's name, value = its value,
/// secrets reduced to fingerprints. The variables a shell or terminal sets for itself (<see cref="Noise"/>) and Vigil's own
/// keys are left out, since they differ per login and say nothing about the environment.
/// </summary>
public sealed class EnvironmentSource : ISnapshotSource
{
    /// <summary>
    /// Variables never recorded: shell and terminal state (<c>PWD</c>, <c>OLDPWD</c>, <c>SHLVL</c>, <c>_</c>, <c>TERM</c>,
    /// <c>COLORTERM</c>, <c>COLUMNS</c>, <c>LINES</c>, <c>PS1</c>-<c>PS4</c>, <c>PROMPT_COMMAND</c>, <c>HIST*</c>,
    /// <c>LS_COLORS</c>, <c>LESSOPEN</c>, <c>LESSCLOSE</c>, <c>MAIL</c>, <c>DISPLAY</c>, <c>HOSTNAME</c>), login sessions
    /// (<c>SSH_*</c>, <c>XDG_*</c>, <c>TMUX*</c>, <c>STY</c>, <c>WINDOW</c>, <c>TERM_*</c>), and Vigil's own
    /// <c>VIGIL_DRIFT_KEY</c> and <c>VIGIL_API_KEY</c>.
    /// </summary>
    public static readonly IReadOnlySet<string> Noise = new HashSet<string>(StringComparer.Ordinal)
    {
        "PWD", "OLDPWD", "SHLVL", "_", "TERM", "COLORTERM", "COLUMNS", "LINES", "PS1", "PS2", "PS3", "PS4", "PROMPT_COMMAND",
        "LS_COLORS", "LSCOLORS", "LESSOPEN", "LESSCLOSE", "MAIL", "DISPLAY", "HOSTNAME", "STY", "WINDOW",
        "VIGIL_DRIFT_KEY", "VIGIL_API_KEY",
    };

    private static readonly string[] NoisePrefixes = ["SSH_", "XDG_", "TMUX", "TERM_", "HIST"];

    /// <inheritdoc />
    public string Name => DriftCategories.Environment;

    /// <summary>True when <paramref name="name"/> is shell or session noise that is never recorded.</summary>
    public static bool IsNoise(string name) =>
        Noise.Contains(name) || NoisePrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));

    /// <inheritdoc />
    public Task CollectAsync(SnapshotContext context, ICollection<SnapshotItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(items);
        foreach (var (name, value) in context.Variables.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            if (string.IsNullOrEmpty(name) || IsNoise(name))
            {
                continue;
            }

            items.Add(ConfigFileSource.Item(context.Secrets, DriftCategories.Environment, DriftItemKinds.Variable, name, name, value ?? "", "env"));
        }

        return Task.CompletedTask;
    }
}
