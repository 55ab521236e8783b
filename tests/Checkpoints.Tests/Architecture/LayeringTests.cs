using System.Reflection;
using System.Runtime.CompilerServices;
using NetArchTest.Rules;

namespace Checkpoints.Tests.Architecture;

/// <summary>
/// The library's rooms in layers, bottom first (docs/ARCHITECTURE.md draws them): a room may use the rooms of lower
/// layers and never those of its own layer or above. Checked on the compiled assembly, so a reference through a parent
/// namespace (which needs no using directive) counts too.
/// </summary>
public sealed class LayeringTests
{
    private static readonly string[][] Layers =
    [
        ["Checkpoints.Interop", "Checkpoints.Units"],
        ["Checkpoints.Format"],
        ["Checkpoints.Files", "Checkpoints.Selection"],
        ["Checkpoints.Storage.Mounts"],
        ["Checkpoints.Storage.FileSystems", "Checkpoints.Storage.Memory", "Checkpoints.Storage.Cache", "Checkpoints.Storage.Locks"],
        ["Checkpoints.Storage.Facts"],
        ["Checkpoints.Loading.Planning"],
        ["Checkpoints.Loading.Logging", "Checkpoints.Loading.Reading", "Checkpoints.Loading.Telemetry"],
        ["Checkpoints.Loading.Access", "Checkpoints.Writing"],
        ["Checkpoints.Loading.Prefetch", "Checkpoints.Verification"],
        ["Checkpoints.Loading.Session"],
    ];

    private static readonly Assembly Library = typeof(Checkpoint).Assembly;

    public static TheoryData<string> Rooms => [.. Layers.SelectMany(static layer => layer)];

    [Theory]
    [MemberData(nameof(Rooms))]
    public void Room_UsesOnlyLowerLayers(string room)
    {
        var level = Array.FindIndex(Layers, layer => layer.Contains(room));
        var forbidden = Layers.Skip(level).SelectMany(static layer => layer).Where(other => other != room).Concat(FacadeTypes()).ToArray();

        var result = Types.InAssembly(Library).That().ResideInNamespace(room).ShouldNot().HaveDependencyOnAny(forbidden).GetResult();

        Assert.True(result.IsSuccessful, $"{room} uses a room at its own layer or above: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void EveryRoom_IsInALayer()
    {
        var namespaces = Library.GetTypes().Select(static type => type.Namespace).OfType<string>()
            .Where(static ns => ns != "Checkpoints" && ns.StartsWith("Checkpoints.", StringComparison.Ordinal)).Distinct();

        Assert.Empty(namespaces.Except(Layers.SelectMany(static layer => layer)));
    }

    [Fact]
    public void CommandLineTool_IsNotAFriendOfTheLibrary()
    {
        var friends = Library.GetCustomAttributes<InternalsVisibleToAttribute>().Select(static attribute => attribute.AssemblyName);

        Assert.DoesNotContain("ckpt", friends);
    }

    /// <summary>The facade's types, at the top: no room may use them.</summary>
    private static IEnumerable<string> FacadeTypes() =>
        Library.GetTypes().Where(static type => type.Namespace == "Checkpoints" && !type.IsNested).Select(static type => type.FullName!);
}
