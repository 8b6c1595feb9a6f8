using Vigil.Core.Declarative;
using Vigil.Core.Tests.Declarative;
using Vigil.Core.Verification.Plans;

namespace Vigil.Core.Tests.Verification.Plans;

public sealed class VerificationPlanCatalogTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly InMemoryDeclarativeStore _store = new();

    private async Task StoreAsync(string name, string services)
    {
        var yaml = DeclarativeReaderTests.Plan(name, services);
        await _store.ApplyAsync([new DeclarativeObject(VerificationPlanYaml.Kind, name, yaml, Now)], [], CancellationToken.None);
    }

    private Task<ResolvedPlan?> ResolveAsync(string service, string? name = null) =>
        new VerificationPlanCatalog(_store).ResolveAsync(service, name, CancellationToken.None);

    [Fact]
    public async Task ResolveAsync_NothingApplied_GivesTheBuiltInPlanWithItsYaml()
    {
        var resolved = await ResolveAsync("checkout");

        Assert.Same(DefaultVerificationPlan.Plan, resolved!.Plan);
        Assert.Equal(VerificationPlanYaml.Write(DefaultVerificationPlan.Plan), resolved.Yaml);
    }

    [Fact]
    public async Task ResolveAsync_PlansListingTheService_MostSpecificWinsThenName()
    {
        await StoreAsync("wide", "[checkout, cart, payments]");
        await StoreAsync("narrow-b", "[checkout, cart]");
        await StoreAsync("narrow-a", "[cart, checkout]");
        await StoreAsync("any", "[]");

        Assert.Equal("narrow-a", (await ResolveAsync("checkout"))!.Plan.Name);
        Assert.Equal("wide", (await ResolveAsync("payments"))!.Plan.Name);
        Assert.Equal("any", (await ResolveAsync("search"))!.Plan.Name);
    }

    [Fact]
    public async Task ResolveAsync_NoListingPlan_AppliedDefaultBeatsBuiltIn()
    {
        await StoreAsync("default", "[]");
        await StoreAsync("cart", "[cart]");

        var resolved = await ResolveAsync("checkout");

        Assert.Equal("default", resolved!.Plan.Name);
        Assert.Equal(DeclarativeReaderTests.Plan("default", "[]"), resolved.Yaml);
        Assert.NotSame(DefaultVerificationPlan.Plan, resolved.Plan);
    }

    [Fact]
    public async Task ResolveAsync_NamedPlan_IsUsedEvenIfItDoesNotListTheService()
    {
        await StoreAsync("cart", "[cart]");

        Assert.Equal("cart", (await ResolveAsync("checkout", "cart"))!.Plan.Name);
        Assert.Null(await ResolveAsync("checkout", "missing"));
        Assert.Same(DefaultVerificationPlan.Plan, (await ResolveAsync("checkout", "default"))!.Plan);
    }

    [Fact]
    public async Task ResolveAsync_StoredPlanThatNoLongerReads_IsSkipped()
    {
        await _store.ApplyAsync([new DeclarativeObject(VerificationPlanYaml.Kind, "broken", "kind: VerificationPlan\nspec: {services: [checkout]}\n", Now)], [], CancellationToken.None);

        Assert.Same(DefaultVerificationPlan.Plan, (await ResolveAsync("checkout"))!.Plan);
    }
}
