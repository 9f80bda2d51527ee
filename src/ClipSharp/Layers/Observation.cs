using ClipSharp.Tensors;

namespace ClipSharp.Layers;

/// <summary>Hands named intermediates to an optional observer; without one it costs a null check.</summary>
internal static class Observation
{
    // The observer gets its own copy: the model keeps updating its buffers in place after the call. The shape is a
    // span so that a call without an observer allocates nothing.
    public static void Report(Action<string, Tensor>? observer, string name, ReadOnlySpan<float> values, params ReadOnlySpan<int> shape)
    {
        if (observer is not null)
        {
            observer(name, new Tensor(values.ToArray(), shape.ToArray()));
        }
    }
}
