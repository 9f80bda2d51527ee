using ClipSharp.Tensors;

namespace ClipSharp.Checkpoints.Torch;

/// <summary>A PyTorch checkpoint's state dict seen as named tensors; .pt files carry no metadata.</summary>
internal sealed class TorchWeightSource : IWeightSource
{
    private readonly TorchCheckpoint _checkpoint;
    private readonly Dictionary<string, TorchTensor> _tensors = new(StringComparer.Ordinal);

    public TorchWeightSource(TorchCheckpoint checkpoint)
    {
        _checkpoint = checkpoint;
        foreach (var (name, tensor) in checkpoint.Tensors)
        {
            _tensors.Add(name, tensor);
        }
    }

    public string Path => _checkpoint.Source;

    public CheckpointFormat Format => _checkpoint.Format switch
    {
        TorchFileFormat.Legacy => CheckpointFormat.PyTorchLegacy,
        TorchFileFormat.TorchScript => CheckpointFormat.TorchScript,
        _ => CheckpointFormat.PyTorch,
    };

    public IEnumerable<string> Names => _checkpoint.Tensors.Select(kv => kv.Key);

    public IReadOnlyDictionary<string, string> Metadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public int[] Shape(string name) => Get(name).Shape;

    public SafeTensorsDType DType(string name) => Get(name).DType.ToSafeTensors();

    public Tensor ReadTensor(string name)
    {
        TorchTensor t = Get(name);
        return t.DType.IsFloatingPoint()
            ? t.ToTensor()
            : throw new CheckpointFormatException($"{Path}: tensor '{name}' holds {t.DType} integers, not floating-point weights.");
    }

    public void Dispose() => _checkpoint.Dispose();

    private TorchTensor Get(string name)
        => _tensors.TryGetValue(name, out TorchTensor? t) ? t : throw new CheckpointFormatException($"{Path}: no tensor '{name}'.");
}
