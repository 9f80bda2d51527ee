namespace ClipSharp.Checkpoints;

/// <summary>One entry of a safetensors header; offsets are relative to the start of the data section.</summary>
public sealed record SafeTensorInfo(string Name, SafeTensorsDType DType, int[] Shape, long Begin, long End)
{
    public long ElementCount => ClipSharp.Tensors.Tensor.ElementCount(Shape);
}
