namespace ClipSharp.Checkpoints;

public enum SafeTensorsDType
{
    F32,
    F16,
    BF16,
    F64,
    I32,
    I64,
}
