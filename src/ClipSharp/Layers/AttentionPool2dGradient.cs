namespace ClipSharp.Layers;

/// <summary>
/// An <see cref="AttentionPool2d"/> as a function of its input map, for one batch size: a forward pass that keeps
/// what the backward pass reads, then any number of backward passes down to the map. The pool's parameter gradients,
/// which the backward pass also makes, are not wanted; they go to a buffer sized to the pool's own parameters alone.
/// </summary>
internal sealed class AttentionPool2dGradient
{
    private readonly AttentionPool2d _pool;
    private readonly int _batch;
    private readonly float[] _seq, _q, _k, _v, _probabilities, _attended;
    private readonly float[] _dAttended, _dq, _dk, _dv, _dSeq;
    private readonly ParameterStore _discarded;

    // layout: the one the pool's parameters belong to (the model's).
    public AttentionPool2dGradient(AttentionPool2d pool, ParameterLayout layout, int batch)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        _pool = pool;
        _batch = batch;
        int c = pool.EmbedDim;
        int sequence = batch * pool.Tokens * c;
        _seq = new float[sequence];
        _q = new float[batch * c];
        _k = new float[sequence];
        _v = new float[sequence];
        _probabilities = new float[batch * pool.Heads * pool.Tokens];
        _attended = new float[batch * c];
        _dAttended = new float[batch * c];
        _dq = new float[batch * c];
        _dk = new float[sequence];
        _dv = new float[sequence];
        _dSeq = new float[sequence];
        _discarded = ParameterStore.AllocateFor(layout, pool.Parameters());
    }

    /// <summary>Floats of one input map: C · S · S.</summary>
    public int MapLength => _pool.EmbedDim * _pool.SpacialDim * _pool.SpacialDim;

    // x: [B, C, S, S] -> y: [B, out], what the backward passes read kept.
    public void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        Check(x.Length, MapLength, nameof(x));
        Check(y.Length, _pool.OutputDim, nameof(y));
        _pool.Forward(x, y, _batch, _seq, _q, _k, _v, _probabilities, _attended);
    }

    // dy: [B, out] -> dx: [B, C, S, S] (overwritten), for the last Forward, which stays kept for the next call.
    public void Backward(ReadOnlySpan<float> dy, Span<float> dx)
    {
        Check(dy.Length, _pool.OutputDim, nameof(dy));
        Check(dx.Length, MapLength, nameof(dx));
        _pool.Backward(_seq, _q, _k, _v, _probabilities, _attended, dy, dx, _batch, _dAttended, _dq, _dk, _dv, _dSeq, _discarded);
    }

    private void Check(int length, int perImage, string name)
    {
        if (length != (long)_batch * perImage)
        {
            throw new ArgumentException($"{name} must hold {_batch} x {perImage} floats, got {length}.", name);
        }
    }
}
