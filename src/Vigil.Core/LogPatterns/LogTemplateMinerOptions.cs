namespace Vigil.Core.LogPatterns;

/// <summary>
/// Settings of <see cref="LogTemplateMiner"/>. The defaults are the one configuration used for every log source; they
/// are measured on the Loghub datasets (docs/benchmarks.md) and are not meant to be tuned per source.
/// </summary>
public sealed class LogTemplateMinerOptions
{
    /// <summary>
    /// Share of a template's constant tokens a line must repeat to join it, from 0 to 1. Default 0.5: lines of one
    /// template after masking repeat almost all constants; two different messages of equal length rarely share half.
    /// </summary>
    public double SimilarityThreshold { get; set; } = 0.6;

    /// <summary>
    /// Leading tokens that must match exactly (after masking) before similarity is tried. Default 1: the first word
    /// of a message is nearly always constant, and a second one often is not.
    /// </summary>
    public int PrefixTokens { get; set; } = 2;

    /// <summary>
    /// Whether variable parts are masked before the search (see LogMasker and README.md). Default true; false gives
    /// plain Drain behaviour, for comparison only.
    /// </summary>
    public bool MaskVariables { get; set; } = true;

    /// <summary>
    /// Whether a token that differs between a template and a line keeps the parts both share up to a delimiter
    /// (<c>rhost=a</c>, <c>rhost=b</c> give <c>rhost=&lt;*&gt;</c>) instead of becoming <c>&lt;*&gt;</c> whole. Default true.
    /// </summary>
    public bool WidenTokens { get; set; } = true;

    /// <summary>
    /// Cap on templates per service. Default 5,000: real services have hundreds; when reached, the least recently
    /// seen template is evicted and its id then resolves to the <see cref="TemplateId.Overflow"/> template.
    /// </summary>
    public int MaxTemplatesPerService { get; set; } = 5_000;

    /// <summary>Cap on recorded merge aliases per service (oldest dropped first; a dropped id resolves to overflow). Default 20,000.</summary>
    public int MaxAliasesPerService { get; set; } = 20_000;

    /// <summary>Cap on services one miner keeps. Default 10,000: further services share the overflow service <c>"~overflow"</c>.</summary>
    public int MaxServices { get; set; } = 10_000;

    /// <summary>Longest body in characters that is tokenised; the rest is ignored. Default 4,096.</summary>
    public int MaxBodyLength { get; set; } = 4_096;

    /// <summary>Most tokens per line considered; further tokens are folded into the last one. Default 128.</summary>
    public int MaxTokens { get; set; } = 128;

    /// <summary>Checks the values; returns every problem found.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (SimilarityThreshold is < 0 or > 1)
        {
            errors.Add($"SimilarityThreshold must be between 0 and 1, not {SimilarityThreshold}.");
        }

        if (PrefixTokens is < 0 or > 4)
        {
            errors.Add($"PrefixTokens must be between 0 and 4, not {PrefixTokens}.");
        }

        if (MaxTemplatesPerService < 1)
        {
            errors.Add($"MaxTemplatesPerService must be at least 1, not {MaxTemplatesPerService}.");
        }

        if (MaxAliasesPerService < 0 || MaxServices < 1 || MaxBodyLength < 1 || MaxTokens < 1)
        {
            errors.Add("MaxAliasesPerService must be at least 0; MaxServices, MaxBodyLength and MaxTokens at least 1.");
        }

        return errors;
    }
}
