namespace ClipSharp.Checkpoints.Torch;

/// <summary>The storage element types the reader rebuilds: every float type, and the integer types of buffers.</summary>
public enum TorchDType
{
    Float,
    Half,
    BFloat16,
    Double,
    Long,
    Int,
}

public static class TorchDTypes
{
    /// <summary>The dtype a <c>torch.&lt;Name&gt;Storage</c> class holds, or null when the reader does not rebuild it.</summary>
    public static TorchDType? FromStorageClass(string name) => name switch
    {
        "FloatStorage" => TorchDType.Float,
        "HalfStorage" => TorchDType.Half,
        "BFloat16Storage" => TorchDType.BFloat16,
        "DoubleStorage" => TorchDType.Double,
        "LongStorage" => TorchDType.Long,
        "IntStorage" => TorchDType.Int,
        _ => null,
    };

    public static int ElementSize(this TorchDType dtype) => dtype switch
    {
        TorchDType.Half or TorchDType.BFloat16 => 2,
        TorchDType.Float or TorchDType.Int => 4,
        _ => 8,
    };

    public static bool IsFloatingPoint(this TorchDType dtype) => dtype is TorchDType.Float or TorchDType.Half or TorchDType.BFloat16 or TorchDType.Double;

    public static SafeTensorsDType ToSafeTensors(this TorchDType dtype) => dtype switch
    {
        TorchDType.Float => SafeTensorsDType.F32,
        TorchDType.Half => SafeTensorsDType.F16,
        TorchDType.BFloat16 => SafeTensorsDType.BF16,
        TorchDType.Double => SafeTensorsDType.F64,
        TorchDType.Long => SafeTensorsDType.I64,
        _ => SafeTensorsDType.I32,
    };
}
