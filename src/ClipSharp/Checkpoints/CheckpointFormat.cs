namespace ClipSharp.Checkpoints;

/// <summary>The container a model's weights were read from.</summary>
public enum CheckpointFormat
{
    /// <summary>A safetensors file.</summary>
    SafeTensors,

    /// <summary>A <c>torch.save</c> zip archive (PyTorch 1.6 and later).</summary>
    PyTorch,

    /// <summary>A pre-1.6 <c>torch.save</c> pickle stream.</summary>
    PyTorchLegacy,

    /// <summary>A TorchScript archive, as OpenAI released its models.</summary>
    TorchScript,
}
