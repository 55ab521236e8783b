using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using Checkpoints.Units;

namespace Checkpoints.Format;

/// <summary>The facts the format attaches to each <see cref="DType"/>: its name in headers and its width in bits.</summary>
public static class DTypes
{
    private static readonly (DType Type, string Name, int Bits)[] Table =
    [
        (DType.Bool, "BOOL", 8),
        (DType.U8, "U8", 8),
        (DType.I8, "I8", 8),
        (DType.U16, "U16", 16),
        (DType.I16, "I16", 16),
        (DType.F16, "F16", 16),
        (DType.BF16, "BF16", 16),
        (DType.U32, "U32", 32),
        (DType.I32, "I32", 32),
        (DType.F32, "F32", 32),
        (DType.U64, "U64", 64),
        (DType.I64, "I64", 64),
        (DType.F64, "F64", 64),
        (DType.C64, "C64", 64),
        (DType.F8E4M3, "F8_E4M3", 8),
        (DType.F8E5M2, "F8_E5M2", 8),
        (DType.F8E8M0, "F8_E8M0", 8),
        (DType.F8E4M3Fnuz, "F8_E4M3FNUZ", 8),
        (DType.F8E5M2Fnuz, "F8_E5M2FNUZ", 8),
        (DType.F4, "F4", 4),
        (DType.F6E2M3, "F6_E2M3", 6),
        (DType.F6E3M2, "F6_E3M2", 6),
    ];

    private static readonly FrozenDictionary<string, DType> ByName =
        Table.ToFrozenDictionary(entry => entry.Name, entry => entry.Type, StringComparer.Ordinal);

    /// <summary>All names a header may use, for error messages.</summary>
    public static string KnownNames { get; } = string.Join(", ", Table.Select(entry => entry.Name));

    /// <summary>The dtype a header names (<c>BF16</c>, <c>F8_E4M3</c>): exact, upper-case names only.</summary>
    public static bool TryParse(string name, out DType type) => ByName.TryGetValue(name, out type);

    /// <summary>The name of <paramref name="type"/> in headers: <c>BF16</c>, <c>F8_E4M3</c>.</summary>
    public static string Name(this DType type) => Entry(type).Name;

    /// <summary>Bits per element: 4 for F4, 6 for the F6 types, 8 to 64 for the rest.</summary>
    public static int BitSize(this DType type) => Entry(type).Bits;

    /// <summary>Bytes per element, or 0 for the sub-byte types that pack several elements per byte.</summary>
    public static int ByteSize(this DType type) => Entry(type).Bits % 8 == 0 ? Entry(type).Bits / 8 : 0;

    /// <summary>A dtype as a user types it: any case (<c>bf16</c>, <c>f8_e4m3</c>).</summary>
    public static bool TryParseUserName(string text, [NotNullWhen(true)] out DType? type)
    {
        // Users type "bf16" or "f8_e4m3"; headers always use the upper-case names.
        if (ByName.TryGetValue(text.ToUpperInvariant(), out var parsed))
        {
            type = parsed;
            return true;
        }

        type = null;
        return false;
    }

    private static (DType Type, string Name, int Bits) Entry(DType type)
    {
        var index = (int)type;
        if ((uint)index >= (uint)Table.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "Not a safetensors dtype.");
        }

        return Table[index];
    }
}
