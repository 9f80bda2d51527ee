namespace ClipSharp.Checkpoints;

/// <summary>
/// The element types of the safetensors format. The float and 32/64-bit integer types convert on read;
/// the others are accepted in a header so that a file carrying them still opens, and are readable only as raw bytes.
/// </summary>
public enum SafeTensorsDType
{
    F32,
    F16,
    BF16,
    F64,
    I32,
    I64,
    BOOL,
    U8,
    I8,
    I16,
    U16,
    U32,
    U64,
    F8_E4M3,
    F8_E5M2,
}

public static class SafeTensorsDTypes
{
    /// <summary>The header spelling of a dtype, or null when the format does not define it.</summary>
    public static SafeTensorsDType? Parse(string? name) => name switch
    {
        "F32" => SafeTensorsDType.F32,
        "F16" => SafeTensorsDType.F16,
        "BF16" => SafeTensorsDType.BF16,
        "F64" => SafeTensorsDType.F64,
        "I32" => SafeTensorsDType.I32,
        "I64" => SafeTensorsDType.I64,
        "BOOL" => SafeTensorsDType.BOOL,
        "U8" => SafeTensorsDType.U8,
        "I8" => SafeTensorsDType.I8,
        "I16" => SafeTensorsDType.I16,
        "U16" => SafeTensorsDType.U16,
        "U32" => SafeTensorsDType.U32,
        "U64" => SafeTensorsDType.U64,
        "F8_E4M3" => SafeTensorsDType.F8_E4M3,
        "F8_E5M2" => SafeTensorsDType.F8_E5M2,
        _ => null,
    };

    public static string HeaderName(this SafeTensorsDType dtype) => dtype.ToString();

    public static int ElementSize(this SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.BOOL or SafeTensorsDType.U8 or SafeTensorsDType.I8
            or SafeTensorsDType.F8_E4M3 or SafeTensorsDType.F8_E5M2 => 1,
        SafeTensorsDType.F16 or SafeTensorsDType.BF16 or SafeTensorsDType.I16 or SafeTensorsDType.U16 => 2,
        SafeTensorsDType.F32 or SafeTensorsDType.I32 or SafeTensorsDType.U32 => 4,
        SafeTensorsDType.F64 or SafeTensorsDType.I64 or SafeTensorsDType.U64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a safetensors dtype."),
    };

    public static bool IsFloatingPoint(this SafeTensorsDType dtype)
        => dtype is SafeTensorsDType.F32 or SafeTensorsDType.F16 or SafeTensorsDType.BF16 or SafeTensorsDType.F64;

    public static bool IsInteger(this SafeTensorsDType dtype)
        => dtype is SafeTensorsDType.I32 or SafeTensorsDType.I64;
}
