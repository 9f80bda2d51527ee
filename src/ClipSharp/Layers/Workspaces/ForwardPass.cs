namespace ClipSharp.Layers.Workspaces;

/// <summary>What one forward pass is for; the layers run the same code in every case.</summary>
internal enum ForwardPass
{
    /// <summary>Eval mode (batch norm uses its running statistics); nothing is kept, slices are reused.</summary>
    Inference,

    /// <summary>Train mode (batch statistics, running ones updated); nothing is kept: gradient caching's first pass.</summary>
    Training,

    /// <summary>Train mode, keeping in slices of their own what the backward pass reads.</summary>
    Keep,
}
