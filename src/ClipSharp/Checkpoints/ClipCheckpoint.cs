using ClipSharp.Models;
using ClipSharp.Tensors;

namespace ClipSharp.Checkpoints;

/// <summary>
/// A loaded model: its architecture, its weights under OpenAI state-dict names as float32 copies (BatchNorm
/// running statistics included, integer buffers dropped), the dtype each weight had on disk, and the files and
/// settings needed around it.
/// </summary>
/// <param name="Path">The file or folder the model was loaded from.</param>
/// <param name="Layout">How the weights were named on disk.</param>
/// <param name="WeightsPath">The file the weights came from (safetensors or a PyTorch checkpoint).</param>
/// <param name="Config">The architecture, from config.json or metadata or inferred from the shapes.</param>
/// <param name="StateDict">The weights under OpenAI names, float32.</param>
/// <param name="SourceDTypes">Per OpenAI name, the stored dtype (for q/k/v merged from HF, the query's).</param>
/// <param name="Tokenizer">The tokenizer files to use.</param>
/// <param name="Preprocess">The image preprocessing the model expects.</param>
public sealed record ClipCheckpoint(
    string Path,
    ModelLayout Layout,
    string WeightsPath,
    ClipConfig Config,
    IReadOnlyDictionary<string, Tensor> StateDict,
    IReadOnlyDictionary<string, SafeTensorsDType> SourceDTypes,
    TokenizerFiles Tokenizer,
    PreprocessSettings Preprocess)
{
    /// <summary>The container the weights were read from.</summary>
    public CheckpointFormat SourceFormat { get; init; } = CheckpointFormat.SafeTensors;
}
