using ClipSharp.Tensors;
using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Layers;

/// <summary>How <see cref="ParameterStore.Initialize"/> fills a tensor for a freshly created model.</summary>
public enum ParameterInit
{
    Zeros,
    Ones,
    Constant,
    Normal,
}

/// <summary>
/// One named tensor at a fixed offset of a flat store. Layers hold these handles rather than arrays so that the
/// same offsets address the values now and a gradient buffer of the same layout later.
/// </summary>
public sealed class Parameter
{
    private readonly int[] _shape;
    private Tensor? _value;

    internal Parameter(string name, int[] shape, long offset, ParameterInit init, float initValue)
    {
        Name = name;
        _shape = shape;
        Offset = offset;
        Init = init;
        InitValue = initValue;
        Length = checked((int)Tensor.ElementCount(shape));
    }

    /// <summary>The reference state-dict name, e.g. <c>visual.transformer.resblocks.0.attn.in_proj_weight</c>.</summary>
    public string Name { get; }

    public ReadOnlySpan<int> Shape => _shape;

    public string ShapeString => $"[{string.Join(", ", _shape)}]";

    public long Offset { get; }

    public int Length { get; }

    public ParameterInit Init { get; }

    /// <summary>The constant for <see cref="ParameterInit.Constant"/>, the standard deviation for <see cref="ParameterInit.Normal"/>.</summary>
    public float InitValue { get; }

    /// <summary>The view into the bound store; layers read it in Forward.</summary>
    public Tensor Value => _value ?? throw new InvalidOperationException(
        Packed is null
            ? $"parameter '{Name}' is not bound to a store yet."
            : $"parameter '{Name}' is held as a packed {Packed.Precision} weight for inference and has no values in the parameter store; "
            + "to train or edit it, load the model with ModelFolder.Load and ClipModel.FromStateDict (weights as float32 in the store).");

    /// <summary>
    /// Set on an inference model's matrix weights (<c>Clip.Load</c>): the weight in the GEMM's packed layout, in its
    /// stored precision (float32, f16 or int8), which the layers multiply with instead of <see cref="Value"/> (the
    /// parameter then has no storage in the parameter store).
    /// </summary>
    public PackedWeight? Packed { get; private set; }

    internal void Bind(Memory<float> storage) => _value = new Tensor(storage.Slice(checked((int)Offset), Length), _shape);

    // Binds to storage laid out by a store that does not follow the layout's offsets (one that leaves packed weights out).
    internal void Bind(Memory<float> storage, long offset) => _value = new Tensor(storage.Slice(checked((int)offset), Length), _shape);

    internal void AttachPacked(PackedWeight weight)
    {
        if (_value is not null)
        {
            throw new InvalidOperationException($"parameter '{Name}' already has float32 storage; a packed weight replaces it only on an unbound parameter.");
        }

        Packed = weight;
    }

    public bool HasShape(ReadOnlySpan<int> shape) => shape.SequenceEqual(_shape);
}
