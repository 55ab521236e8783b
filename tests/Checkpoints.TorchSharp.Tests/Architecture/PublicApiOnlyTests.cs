using System.Reflection;
using System.Runtime.CompilerServices;

namespace Checkpoints.TorchSharp.Tests.Architecture;

/// <summary>The adapter is a client of the library's public API, like the CLI: the library names it no friend.</summary>
public sealed class PublicApiOnlyTests
{
    [Fact]
    public void Library_DoesNotExposeItsInternalsToTheAdapter()
    {
        var friends = typeof(Checkpoint).Assembly.GetCustomAttributes<InternalsVisibleToAttribute>().Select(a => a.AssemblyName);

        Assert.DoesNotContain(friends, name => name.StartsWith("Checkpoints.TorchSharp", StringComparison.Ordinal));
    }
}
