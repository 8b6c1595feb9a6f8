using Vigil.Core.Drift;
using Vigil.Core.Drift.Sources;

namespace Vigil.Core.Tests.Drift.Sources;

public sealed class DependencySourceTests
{
    [Fact]
    public async Task Collect_EveryLockFormat_GivesEcosystemNameAndVersion()
    {
        using var tree = new PlantedTree()
            .Write("app/packages.lock.json", """
                { "version": 1, "dependencies": { "net8.0": {
                  "Newtonsoft.Json": { "type": "Direct", "requested": "[13.0.3, )", "resolved": "13.0.3" },
                  "Orders.Core": { "type": "Project" } } } }
                """)
            .Write("app/orders.deps.json", """
                { "libraries": { "Orders/1.0.0": { "type": "project" }, "Serilog/3.1.1": { "type": "package" } } }
                """)
            .Write("web/package-lock.json", """
                { "lockfileVersion": 3, "packages": {
                  "": { "name": "web", "version": "1.0.0" },
                  "node_modules/express": { "version": "4.19.2" },
                  "node_modules/@types/node": { "version": "20.11.5" },
                  "node_modules/express/node_modules/debug": { "version": "2.6.9" },
                  "node_modules/debug": { "version": "4.3.4" },
                  "node_modules/local": { "link": true } } }
                """)
            .Write("ui/yarn.lock", """
                # yarn lockfile v1

                "@babel/core@^7.0.0", "@babel/core@^7.1.0":
                  version "7.24.0"
                  resolved "https://registry.yarnpkg.com/@babel/core/-/core-7.24.0.tgz"
                  dependencies:
                    debug "^4.1.0"

                lodash@^4.17.21:
                  version "4.17.21"
                """)
            .Write("jvm/gradle.lockfile", "# header\ncom.fasterxml.jackson.core:jackson-databind:2.17.0=compileClasspath,runtimeClasspath\nempty=\n")
            .Write("py/requirements.txt", "# pins\nDjango==5.0.3\nrequests[security] == 2.31.0 ; python_version > '3.8'\nunpinned>=1.0\n-r other.txt\n")
            .Write("py2/poetry.lock", """
                [[package]]
                name = "Flask_Login"
                version = "0.6.3"

                [[package]]
                name = "urllib3"
                version = "2.2.1"
                """);

        var items = await Collect.RunAsync(new DependencySource(), tree.Context());

        Assert.Equal("13.0.3", Collect.Value(items, "nuget:Newtonsoft.Json"));
        Assert.Equal("3.1.1", Collect.Value(items, "nuget:Serilog"));
        Assert.Equal("4.19.2", Collect.Value(items, "npm:express"));
        Assert.Equal("20.11.5", Collect.Value(items, "npm:@types/node"));
        Assert.Equal("2.6.9, 4.3.4", Collect.Value(items, "npm:debug"));
        Assert.Equal("7.24.0", Collect.Value(items, "npm:@babel/core"));
        Assert.Equal("4.17.21", Collect.Value(items, "npm:lodash"));
        Assert.Equal("2.17.0", Collect.Value(items, "maven:com.fasterxml.jackson.core:jackson-databind"));
        Assert.Equal("5.0.3", Collect.Value(items, "pypi:django"));
        Assert.Equal("2.31.0", Collect.Value(items, "pypi:requests"));
        Assert.Equal("0.6.3", Collect.Value(items, "pypi:flask-login"));
        Assert.Equal("2.2.1", Collect.Value(items, "pypi:urllib3"));
        Assert.DoesNotContain(items, i => i.Key is "nuget:Orders.Core" or "nuget:Orders" or "npm:local" or "pypi:unpinned" or "npm:web");
        Assert.All(items, i => Assert.Equal((DriftCategories.Dependency, DriftItemKinds.Package), (i.Category, i.Kind)));
        Assert.Equal("web/package-lock.json", Collect.Single(items, "npm:express").Source);
    }

    [Fact]
    public async Task Collect_MavenDependencyListManifest_IsRead()
    {
        using var tree = new PlantedTree().Write("out/deps.txt", """
            [INFO] Scanning for projects...
            [INFO] The following files have been resolved:
            [INFO]    org.slf4j:slf4j-api:jar:2.0.9:compile -- module org.slf4j
            [INFO]    io.netty:netty-transport-native-epoll:jar:linux-x86_64:4.1.100.Final:runtime
            [INFO]    junit:junit:jar:4.13.2:test
            [INFO] BUILD SUCCESS
            """);

        var items = await Collect.RunAsync(new DependencySource(), tree.Context(manifests: [Path.Combine(tree.Root, "out/deps.txt")]));

        Assert.Equal("2.0.9", Collect.Value(items, "maven:org.slf4j:slf4j-api"));
        Assert.Equal("4.1.100.Final", Collect.Value(items, "maven:io.netty:netty-transport-native-epoll"));
        Assert.Equal("4.13.2", Collect.Value(items, "maven:junit:junit"));
        Assert.Equal("manifest:deps.txt", Collect.Single(items, "maven:junit:junit").Source);
    }

    [Fact]
    public async Task Collect_MalformedLockFile_IsUnreadableAndOthersAreCollected()
    {
        using var tree = new PlantedTree()
            .Write("a/package-lock.json", "{ \"packages\": ")
            .Write("b/requirements.txt", "flask==3.0.2\n");

        var items = await Collect.RunAsync(new DependencySource(), tree.Context(manifests: ["/nonexistent/vigil/manifest.yaml"]));

        Assert.StartsWith("could not read: invalid JSON", Collect.Value(items, "a/package-lock.json"), StringComparison.Ordinal);
        Assert.Equal("could not read: file not found", Collect.Value(items, "manifest:manifest.yaml"));
        Assert.Equal("3.0.2", Collect.Value(items, "pypi:flask"));
    }
}
