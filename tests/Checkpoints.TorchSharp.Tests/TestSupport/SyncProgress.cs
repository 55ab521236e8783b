namespace Checkpoints.TorchSharp.Tests.TestSupport;

/// <summary>Calls back on the reporting thread (unlike <see cref="Progress{T}"/>, which posts).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
