using ClipSharp.Tensors;

namespace ClipSharp.Checkpoints;

internal sealed class SafeTensorsWeightSource(SafeTensorsFile file) : IWeightSource
{
    public string Path => file.Path;

    public CheckpointFormat Format => CheckpointFormat.SafeTensors;

    public IEnumerable<string> Names => file.Names;

    public IReadOnlyDictionary<string, string> Metadata => file.Metadata;

    public int[] Shape(string name) => file.Info(name).Shape;

    public SafeTensorsDType DType(string name) => file.Info(name).DType;

    public Tensor ReadTensor(string name) => file.ReadTensor(name);

    public void ReadInto(string name, Span<float> destination) => file.ReadInto(name, destination);

    public ReadOnlySpan<byte> RawBytes(string name) => file.RawBytes(name);

    public void Dispose() => file.Dispose();
}
