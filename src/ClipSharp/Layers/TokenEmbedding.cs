using ClipSharp.Tensors.Kernels;

namespace ClipSharp.Layers;

/// <summary>The text tower's lookup table, weight [vocab, W].</summary>
internal sealed class TokenEmbedding
{
    public TokenEmbedding(ParameterScope scope, int vocabSize, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        VocabSize = vocabSize;
        Width = width;
        Weight = scope.Parameter("weight", [vocabSize, width], ParameterInit.Normal, 0.02f);
    }

    public int VocabSize { get; }

    public int Width { get; }

    public Parameter Weight { get; }

    // ids: [N] -> y: [N, W]
    public void Forward(ReadOnlySpan<int> ids, Span<float> y) => Embedding.Forward(Weight.Value.Span, ids, y, Width);

    // ids: [N]; dy: [N, W] -> rows of the weight gradient, accumulated (rows of unused ids stay untouched).
    public void Backward(ReadOnlySpan<int> ids, ReadOnlySpan<float> dy, ParameterStore grads)
    {
        ArgumentNullException.ThrowIfNull(grads);
        EmbeddingBackward.Backward(ids, dy, grads.SpanOf(Weight), Width);
    }
}
