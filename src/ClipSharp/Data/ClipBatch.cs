using ClipSharp.Tensors;

namespace ClipSharp.Data;

/// <summary>
/// One training batch, ready for a step. Samples that could not be read are left out, so <see cref="Count"/> can be
/// less than the batch size; the batch still occupies its place, which keeps positions independent of failures.
/// </summary>
public sealed class ClipBatch
{
    internal ClipBatch(DataPosition position, DataPosition next, int resolution, int contextLength, string[] keys, string[] captions, float[] pixels, int[] tokens)
    {
        Position = position;
        Next = next;
        Resolution = resolution;
        ContextLength = contextLength;
        Keys = keys;
        Captions = captions;
        Pixels = pixels;
        Tokens = tokens;
    }

    public DataPosition Position { get; }

    /// <summary>The position to resume from after this batch.</summary>
    public DataPosition Next { get; }

    public int Count => Keys.Count;

    public int Resolution { get; }

    public int ContextLength { get; }

    public IReadOnlyList<string> Keys { get; }

    public IReadOnlyList<string> Captions { get; }

    /// <summary>pixels: [Count, 3, Resolution, Resolution], normalised</summary>
    public float[] Pixels { get; }

    /// <summary>tokens: [Count, ContextLength], [SOT, ids..., EOT, 0...] per row</summary>
    public int[] Tokens { get; }

    /// <summary>The pixels as the image tower's input, sharing this batch's memory. images: [Count, 3, Resolution, Resolution]</summary>
    public Tensor Images => Tensor.FromArray(Pixels, Count, 3, Resolution, Resolution);
}
