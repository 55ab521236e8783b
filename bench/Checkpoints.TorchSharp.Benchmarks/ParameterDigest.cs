using System.IO.Hashing;
using System.Text;
using TorchSharp;

namespace Checkpoints.TorchSharp.Benchmarks;

/// <summary>A digest of a module's loaded state: equal digests mean both loaders left identical parameter bytes.</summary>
internal static class ParameterDigest
{
    public static (string Digest, long Bytes) Of(torch.nn.Module module)
    {
        var hash = new XxHash3();
        long bytes = 0;
        foreach (var (name, tensor) in module.state_dict().OrderBy(static e => e.Key, StringComparer.Ordinal))
        {
            hash.Append(Encoding.UTF8.GetBytes(name));
            using var contiguous = tensor.contiguous();
            hash.Append(contiguous.bytes);
            bytes += contiguous.NumberOfElements * contiguous.ElementSize;
        }

        return (Convert.ToHexStringLower(hash.GetCurrentHash()), bytes);
    }
}
