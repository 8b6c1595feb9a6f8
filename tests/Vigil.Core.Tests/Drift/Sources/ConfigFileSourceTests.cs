using Vigil.Core.Drift;
using Vigil.Core.Drift.Secrets;
using Vigil.Core.Drift.Sources;

namespace Vigil.Core.Tests.Drift.Sources;

public sealed class ConfigFileSourceTests
{
    [Fact]
    public async Task Collect_AppSettings_ProductionOverlayOverridesAndKeysAreRecordedOnce()
    {
        using var tree = new PlantedTree()
            .Write("app/appsettings.json", """
                { // comments and trailing commas are allowed, as in .NET
                  "Payments": { "Url": "https://pay.example.com", "Timeout": 30, "Retry": true },
                  "Hosts": [ "a", "b" ],
                }
                """)
            .Write("app/appsettings.Production.json", """{ "payments": { "timeout": 10 } }""")
            .Write("app/appsettings.Development.json", """{ "Payments": { "Timeout": 999 }, "DevOnly": "x" }""");

        var items = await Collect.RunAsync(new ConfigFileSource(), tree.Context("Production"));

        var timeout = Collect.Single(items, "app/appsettings.json:Payments:Timeout");
        Assert.Equal("10", timeout.Value);
        Assert.Equal("app/appsettings.Production.json", timeout.Source);
        Assert.Equal(DriftItemKinds.ConfigKey, timeout.Kind);
        Assert.Equal("https://pay.example.com", Collect.Value(items, "app/appsettings.json:Payments:Url"));
        Assert.Equal("true", Collect.Value(items, "app/appsettings.json:Payments:Retry"));
        Assert.Equal("b", Collect.Value(items, "app/appsettings.json:Hosts:1"));
        Assert.DoesNotContain(items, i => i.Key.Contains("DevOnly", StringComparison.Ordinal));
        Assert.Equal(items.Count, items.Select(i => i.Key.ToUpperInvariant()).Distinct().Count());
    }

    [Theory]
    [InlineData("ASPNETCORE_ENVIRONMENT")]
    [InlineData("DOTNET_ENVIRONMENT")]
    public async Task Collect_AppSettings_TheVariableChoosesTheOverlayOverTheEnvironmentName(string variable)
    {
        using var tree = new PlantedTree()
            .Write("app/appsettings.json", """{ "Level": "base" }""")
            .Write("app/appsettings.Staging.json", """{ "Level": "staging" }""")
            .Write("app/appsettings.Production.json", """{ "Level": "production" }""");

        var items = await Collect.RunAsync(new ConfigFileSource(), tree.Context("prod", new Dictionary<string, string> { [variable] = "Staging" }));

        Assert.Equal("staging", Collect.Value(items, "app/appsettings.json:Level"));
    }

    [Fact]
    public async Task Collect_AppSettings_ShortEnvironmentNameFindsTheLongOverlay()
    {
        using var tree = new PlantedTree()
            .Write("app/appsettings.json", """{ "Level": "base" }""")
            .Write("app/appsettings.Production.json", """{ "Level": "production" }""");

        var items = await Collect.RunAsync(new ConfigFileSource(), tree.Context("prod"));

        Assert.Equal("production", Collect.Value(items, "app/appsettings.json:Level"));
    }

    [Fact]
    public async Task Collect_Spring_ProfileFileAndProfileDocumentsApplyForActiveProfilesOnly()
    {
        using var tree = new PlantedTree()
            .Write("app/application.yml", """
                spring:
                  datasource:
                    url: jdbc:postgresql://db:5432/orders
                server.port: 8080
                feature: { enabled: false }
                ---
                spring.config.activate.on-profile: prod
                feature.enabled: true
                ---
                spring:
                  config:
                    activate:
                      on-profile: dev
                server.port: 1
                """)
            .Write("app/application-prod.yml", "server:\n  port: 9090\n")
            .Write("app/application-dev.yml", "server:\n  port: 7\n");

        var items = await Collect.RunAsync(new ConfigFileSource(), tree.Context("uat", new Dictionary<string, string> { ["SPRING_PROFILES_ACTIVE"] = "prod" }));

        var port = Collect.Single(items, "app/application.yml:server.port");
        Assert.Equal("9090", port.Value);
        Assert.Equal("app/application-prod.yml", port.Source);
        Assert.Equal("true", Collect.Value(items, "app/application.yml:feature.enabled"));
        Assert.Equal("jdbc:postgresql://db:5432/orders", Collect.Value(items, "app/application.yml:spring.datasource.url"));
        Assert.DoesNotContain(items, i => i.Key.Contains("on-profile", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Collect_Spring_WithoutTheVariable_TakesSpringProfilesActiveFromTheBaseFile()
    {
        using var tree = new PlantedTree()
            .Write("app/application.properties", "spring.profiles.active=eu\nserver.port=8080\n")
            .Write("app/application-eu.properties", "server.port=8443\n")
            .Write("app/application-prod.properties", "server.port=1\n");

        var items = await Collect.RunAsync(new ConfigFileSource(), tree.Context("prod"));

        Assert.Equal("8443", Collect.Value(items, "app/application.properties:server.port"));
    }

    [Fact]
    public async Task Collect_JsonWithAByteOrderMark_IsRead()
    {
        using var tree = new PlantedTree().WriteBytes("app/appsettings.json", [0xEF, 0xBB, 0xBF, .. "{ \"A\": \"1\" }"u8.ToArray()]);

        var items = await Collect.RunAsync(new ConfigFileSource(), tree.Context());

        Assert.Equal("1", Collect.Value(items, "app/appsettings.json:A"));
    }

    [Fact]
    public async Task Collect_KeyOrderWhitespaceNumberFormatAndFileOrder_CreateNoDifference()
    {
        using var left = new PlantedTree()
            .Write("app/appsettings.json", """{"A":{"X":1.50,"Y":true},"B":[1,2],"C":"text"}""")
            .Write("app/application.yml", "a:\n  b: 1\n  c: yes-string\n")
            .Write("app/settings.ini", "[db]\nhost=x\nport=5432\n")
            .Write("app/.env", "ONE=1\nTWO=2\n");
        using var right = new PlantedTree()
            .Write("app/settings.ini", "; reordered\n[db]\n  port = 5432\n  host = x\n")
            .Write("app/.env", "# comment\nTWO=2\n\nexport ONE=1\n")
            .Write("app/application.yml", "a.c: yes-string\na.b: 1.0\n")
            .Write("app/appsettings.json", """
                {
                  "C" : "text",
                  "B" : [ 1, 2 ],
                  "A" : { "Y" : true, "X" : 1.5e0 }
                }
                """);

        var a = await Collect.RunAsync(new ConfigFileSource(), left.Context());
        var b = await Collect.RunAsync(new ConfigFileSource(), right.Context());

        Assert.Equal(
            a.Select(i => (i.Key, i.Value)).OrderBy(k => k.Key, StringComparer.Ordinal),
            b.Select(i => (i.Key, i.Value)).OrderBy(k => k.Key, StringComparer.Ordinal));
        Assert.Equal(11, a.Count);
    }

    [Fact]
    public async Task Collect_EveryFormat_IsFlattenedToKeyPaths()
    {
        using var tree = new PlantedTree()
            .Write("srv/orders/app.properties", "# c\nmail.host = smtp.example.com\nlong.value = one \\\n    two\nunicode=caf\\u00e9\n")
            .Write("srv/orders/settings.ini", "top=1\n[cache]\nttl = \"30\"\n")
            .Write("srv/orders/.env", "export MODE='fast'\nNAME=\"a b\" \nPLAIN=x # comment\n")
            .Write("srv/orders/pyproject.toml", """"
                title = "orders"
                [tool.app]
                ports = [ 8000, 8001, ]
                ratio = 1.50
                hex = 0xff
                when = 1979-05-27T07:32:00Z
                "quoted field" = 'literal \n'
                nested = { a = 1, b.c = "d" }
                multi = """
                line1
                line2"""

                [[servers]]
                name = "alpha"
                [[servers]]
                name = "beta"
                [servers.limits]
                cpu = 2
                """");

        var items = await Collect.RunAsync(new ConfigFileSource(), tree.Context());

        Assert.Equal("smtp.example.com", Collect.Value(items, "srv/orders/app.properties:mail.host"));
        Assert.Equal("one two", Collect.Value(items, "srv/orders/app.properties:long.value"));
        Assert.Equal("café", Collect.Value(items, "srv/orders/app.properties:unicode"));
        Assert.Equal("1", Collect.Value(items, "srv/orders/settings.ini:top"));
        Assert.Equal("30", Collect.Value(items, "srv/orders/settings.ini:cache.ttl"));
        Assert.Equal("fast", Collect.Value(items, "srv/orders/.env:MODE"));
        Assert.Equal("a b", Collect.Value(items, "srv/orders/.env:NAME"));
        Assert.Equal("x", Collect.Value(items, "srv/orders/.env:PLAIN"));
        Assert.Equal("orders", Collect.Value(items, "srv/orders/pyproject.toml:title"));
        Assert.Equal("8001", Collect.Value(items, "srv/orders/pyproject.toml:tool.app.ports.1"));
        Assert.Equal("1.5", Collect.Value(items, "srv/orders/pyproject.toml:tool.app.ratio"));
        Assert.Equal("255", Collect.Value(items, "srv/orders/pyproject.toml:tool.app.hex"));
        Assert.Equal("1979-05-27T07:32:00Z", Collect.Value(items, "srv/orders/pyproject.toml:tool.app.when"));
        Assert.Equal("literal \\n", Collect.Value(items, "srv/orders/pyproject.toml:tool.app.quoted field"));
        Assert.Equal("d", Collect.Value(items, "srv/orders/pyproject.toml:tool.app.nested.b.c"));
        Assert.Equal("line1\nline2", Collect.Value(items, "srv/orders/pyproject.toml:tool.app.multi"));
        Assert.Equal("beta", Collect.Value(items, "srv/orders/pyproject.toml:servers.1.name"));
        Assert.Equal("2", Collect.Value(items, "srv/orders/pyproject.toml:servers.1.limits.cpu"));
    }

    [Fact]
    public async Task Collect_MalformedFiles_BecomeUnreadableItemsAndTheRestIsCollected()
    {
        using var tree = new PlantedTree()
            .Write("app/appsettings.json", """{ "Good": "yes" }""")
            .Write("app/appsettings.Production.json", """{ "Broken": """)
            .Write("app/application.yml", "a: [unclosed\n")
            .Write("app/bad.toml", "key = \n")
            .Write("app/ok.ini", "[s]\nk=v\n")
            .Write("app/big.properties", new string('x', (int)ConfigFileSource.MaxFileBytes + 1));

        var items = await Collect.RunAsync(new ConfigFileSource(), tree.Context());

        Assert.Equal("yes", Collect.Value(items, "app/appsettings.json:Good"));
        Assert.Equal("v", Collect.Value(items, "app/ok.ini:s.k"));
        var json = Collect.Single(items, "app/appsettings.Production.json");
        Assert.Equal(DriftItemKinds.Unreadable, json.Kind);
        Assert.StartsWith("could not read: invalid JSON at line 1", json.Value, StringComparison.Ordinal);
        Assert.StartsWith("could not read: invalid YAML at line", Collect.Value(items, "app/application.yml"), StringComparison.Ordinal);
        Assert.StartsWith("could not read: invalid TOML at line 1", Collect.Value(items, "app/bad.toml"), StringComparison.Ordinal);
        Assert.Equal("could not read: file is larger than 4 MiB", Collect.Value(items, "app/big.properties"));
        Assert.All(items.Where(i => i.Kind == DriftItemKinds.Unreadable), i => Assert.DoesNotContain(tree.Root, i.Value!, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Collect_UnreadableReasons_NeverQuoteTheFilesText()
    {
        using var tree = new PlantedTree()
            .Write("app/secrets.toml", "password = hunter2\n")
            .Write("app/more.toml", "pin = 0b12\n");

        var items = await Collect.RunAsync(new ConfigFileSource(), tree.Context());

        Assert.Equal("could not read: invalid TOML at line 1: a value is not a TOML string, number, boolean, date, array or table", Collect.Value(items, "app/secrets.toml"));
        Assert.Equal("could not read: invalid TOML at line 1: a value is not a number", Collect.Value(items, "app/more.toml"));
        Assert.DoesNotContain(items, i => (i.Value ?? "").Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Collect_SecretsInConfig_AreFingerprintsAndTheirValuesAppearNowhere()
    {
        const string password = "pl4nted-Pa55word";
        const string apiKey = "xK9fQ2mLp7Zr4TbW8vN3cY6hJ1sD5gA0";
        using var tree = new PlantedTree()
            .Write("app/appsettings.json", $$"""
                { "ConnectionStrings": { "Orders": "Host=db;Username=app;Password={{password}}" },
                  "Stripe": { "ApiKey": "{{apiKey}}" }, "Plain": "visible" }
                """)
            .Write("app/.env", $"DB_PASSWORD={password}\n");
        var redactor = new SecretRedactor(Convert.FromHexString("00112233445566778899aabbccddeeff"));

        var items = await Collect.RunAsync(new ConfigFileSource(), tree.Context(secrets: redactor));

        foreach (var key in new[] { "app/appsettings.json:ConnectionStrings:Orders", "app/appsettings.json:Stripe:ApiKey", "app/.env:DB_PASSWORD" })
        {
            var item = Collect.Single(items, key);
            Assert.Null(item.Value);
            Assert.NotNull(item.Secret?.Hmac);
        }

        Assert.Equal(redactor.Fingerprint(password), Collect.Single(items, "app/.env:DB_PASSWORD").Secret);
        Assert.Equal("visible", Collect.Value(items, "app/appsettings.json:Plain"));
        var all = string.Join('\n', items.Select(i => $"{i.Key} {i.Value} {i.Source}"));
        Assert.DoesNotContain(password, all, StringComparison.Ordinal);
        Assert.DoesNotContain(apiKey, all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Collect_KeysAreRelativeToTheRoot_SoTwoTreesInDifferentFoldersMatch()
    {
        using var uat = new PlantedTree().Write("app/appsettings.json", """{ "A": 1 }""");
        using var prod = new PlantedTree().Write("app/appsettings.json", """{ "A": 1 }""");

        var a = await Collect.RunAsync(new ConfigFileSource(), uat.Context());
        var b = await Collect.RunAsync(new ConfigFileSource(), prod.Context());

        Assert.Equal(a, b);
    }

    [Fact]
    public async Task Collect_FullFileSystem_SearchesOnlyTheApplicationFolders()
    {
        using var tree = new PlantedTree()
            .Folder("usr/lib")
            .Write("etc/php/php.ini", "memory_limit=128M\n")
            .Write("etc/orders/orders.ini", "[main]\nmode=fast\n")
            .Write("opt/orders/appsettings.json", """{ "A": "1" }""")
            .Write(".env", "ROOT_LEVEL=1\n")
            .Write("app/node_modules/x/.env", "IGNORED=1\n");

        var items = await Collect.RunAsync(new ConfigFileSource("orders"), tree.Context());

        Assert.Equal(
            [".env:ROOT_LEVEL", "etc/orders/orders.ini:main.mode", "opt/orders/appsettings.json:A"],
            items.Select(i => i.Key).Order(StringComparer.Ordinal));
    }
}
