using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
namespace ClipSharp.Layers;

/// <summary>A learned [T, W] table added to every sequence of the batch (a bare parameter in the reference).</summary>
internal sealed class PositionalEmbedding
{
    public PositionalEmbedding(ParameterScope scope, string name, int tokens, int width, float initStd)
    {
        Tokens = tokens;
        Width = width;
        Weight = scope.Parameter(name, [tokens, width], ParameterInit.Normal, initStd);
    }

    public int Tokens { get; }

    public int Width { get; }

    public Parameter Weight { get; }

    // x: [B, T, W] -> x: [B, T, W], in place.
    public void Forward(Span<float> x, int batch) => Forward(x, batch, Tokens);

    // x: [B, length, W] -> x: [B, length, W], in place: the first length positions of the table (length <= T).
    public void Forward(Span<float> x, int batch, int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Tokens);
        ReadOnlySpan<float> table = Weight.Value.Span[..(length * Width)];
        int size = length * Width;
        for (int b = 0; b < batch; b++)
        {
            Span<float> seq = x.Slice(b * size, size);
            TensorPrimitives.Add(seq, table, seq);
        }
    }

    // dy: [B, T, W]; the table's gradient accumulates the sum over the batch (dx = dy, so the caller keeps dy).
    public void Backward(ReadOnlySpan<float> dy, int batch, ParameterStore grads) => Backward(dy, batch, Tokens, grads);

    // dy: [B, length, W] (the first length positions); the first length rows of the table's gradient accumulate.
    public void Backward(ReadOnlySpan<float> dy, int batch, int length, ParameterStore grads)
    {
        ArgumentNullException.ThrowIfNull(grads);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Tokens);
        Span<float> dTable = grads.SpanOf(Weight)[..(length * Width)];
        int size = length * Width;
        for (int b = 0; b < batch; b++)
        {
            TensorPrimitives.Add(dTable, dy.Slice(b * size, size), dTable);
        }
    }
}
