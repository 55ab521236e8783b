namespace Checkpoints.Files;

/// <summary>
/// The local Hugging Face hub cache, read offline as <c>huggingface_hub</c> lays it out:
/// <c>{cache}/models--org--name/refs/{branch or tag}</c> holds a commit, <c>snapshots/{commit}/</c> holds the files (links
/// into <c>blobs/</c>). The cache is <c>HF_HUB_CACHE</c>, else <c>HF_HOME/hub</c>, else
/// <c>XDG_CACHE_HOME/huggingface/hub</c>, else <c>~/.cache/huggingface/hub</c>. Nothing is downloaded.
/// </summary>
internal sealed class HubCache(string root)
{
    /// <summary>The cache folder in use.</summary>
    public string Root { get; } = root;

    /// <summary>The cache the environment names, as <c>huggingface_hub</c> finds it.</summary>
    public static HubCache FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary>As <see cref="FromEnvironment()"/>, with the variables and the home folder given (tests must not change the process's environment).</summary>
    public static HubCache FromEnvironment(Func<string, string?> variable, string home)
    {
        if (NonEmpty(variable("HF_HUB_CACHE")) is { } hubCache)
        {
            return new HubCache(hubCache);
        }

        var hfHome = NonEmpty(variable("HF_HOME"))
            ?? Path.Combine(NonEmpty(variable("XDG_CACHE_HOME")) ?? Path.Combine(home, ".cache"), "huggingface");
        return new HubCache(Path.Combine(hfHome, "hub"));
    }

    /// <summary>The snapshot folder of <paramref name="name"/>'s revision.</summary>
    /// <exception cref="DirectoryNotFoundException">The model or the revision is not in the cache; the message says where it looked and how to download it.</exception>
    public string Resolve(HubModelName name)
    {
        var model = Path.Combine(Root, name.CacheFolderName);
        if (!Directory.Exists(model))
        {
            throw new DirectoryNotFoundException(
                $"{name.RepositoryId}: not a file or folder here, and not in the Hugging Face cache {Root} (no {name.CacheFolderName}): " +
                $"download it with 'hf download {name.RepositoryId} --include \"*.safetensors\" \"*.json\"', or point HF_HUB_CACHE or HF_HOME at the cache that holds it");
        }

        var commit = File.Exists(Path.Combine(model, "refs", name.Revision))
            ? File.ReadAllText(Path.Combine(model, "refs", name.Revision)).Trim()
            : name.Revision;
        var snapshot = Path.Combine(model, "snapshots", commit);
        if (commit.Length == 0 || commit.Contains('/', StringComparison.Ordinal) || !Directory.Exists(snapshot))
        {
            throw new DirectoryNotFoundException(
                $"{name.RepositoryId}@{name.Revision}: that revision is not in the Hugging Face cache {model} " +
                $"(revisions there: {Known(model)}): download it with 'hf download {name.RepositoryId} --revision {name.Revision}'");
        }

        return snapshot;
    }

    private static string Known(string model)
    {
        var refs = Directory.Exists(Path.Combine(model, "refs"))
            ? Directory.EnumerateFiles(Path.Combine(model, "refs"), "*", SearchOption.AllDirectories).Select(path => Path.GetRelativePath(Path.Combine(model, "refs"), path))
            : [];
        var snapshots = Directory.Exists(Path.Combine(model, "snapshots"))
            ? Directory.EnumerateDirectories(Path.Combine(model, "snapshots")).Select(Path.GetFileName).OfType<string>()
            : [];
        var known = refs.Order(StringComparer.Ordinal).Concat(snapshots.Order(StringComparer.Ordinal)).ToList();
        return known.Count == 0 ? "none" : string.Join(", ", known);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
