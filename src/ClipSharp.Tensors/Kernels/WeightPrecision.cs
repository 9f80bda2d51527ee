namespace ClipSharp.Tensors.Kernels;

/// <summary>The element type a <see cref="PackedWeight"/> keeps its values in.</summary>
public enum WeightPrecision
{
    /// <summary>IEEE half precision: every value converts to float32 exactly.</summary>
    Float16,

    /// <summary>Symmetric int8 with one float32 scale per output channel: value = q · scale[out].</summary>
    Int8,

    /// <summary>IEEE single precision, pre-packed so that no GEMM call packs it again: the micro-kernel reads the panels in place.</summary>
    Float32,
}
