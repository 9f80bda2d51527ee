namespace ClipSharp.Checkpoints.Torch;

/// <summary>The PyTorch container formats the reader understands.</summary>
public enum TorchFileFormat
{
    /// <summary><c>torch.save</c> since PyTorch 1.6: a zip archive with <c>data.pkl</c> and <c>data/&lt;key&gt;</c> storages.</summary>
    Zip,

    /// <summary><c>torch.save(..., _use_new_zipfile_serialization=False)</c>: pickles followed by the raw storages.</summary>
    Legacy,

    /// <summary><c>torch.jit.save</c> (OpenAI's released <c>.pt</c> files): a zip archive whose <c>data.pkl</c> is the module tree.</summary>
    TorchScript,
}
