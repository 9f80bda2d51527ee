using System.CommandLine;
using ClipSharp.Checkpoints;
using ClipSharp.Checkpoints.Conversion;

namespace ClipSharp.Cli.Commands;

/// <summary><c>clip convert IN OUT</c>: rewrite any loadable model (.pt, safetensors, HF or OpenAI folder) as a model folder.</summary>
internal static class ConvertCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("IN") { Description = "The model: a folder, a .safetensors file, or a PyTorch .pt/.pth/.bin checkpoint (a config.json with constructor_args beside it sets the architecture)." };
        var output = new Argument<string>("OUT") { Description = "The model folder to create." };
        var layout = new Option<string>("--layout") { Description = "hf (transformers CLIPModel) or openai (reference names); int8 defaults to openai.", DefaultValueFactory = _ => "hf" };
        layout.AcceptOnlyFromAmong("hf", "openai");
        var dtype = new Option<string>("--dtype")
        {
            Description = "Weight type to write: f32, f16, bf16, or int8 (OpenAI layout only: matrix weights as per-output-channel int8 with float32 scales, for inference).",
            DefaultValueFactory = _ => "f32",
        };
        dtype.AcceptOnlyFromAmong("f32", "f16", "bf16", "int8");
        var vocab = new Option<string?>("--vocab") { Description = "Tokenizer to use instead of the model's: bpe_simple_vocab_16e6.txt.gz, or a folder with vocab.json + merges.txt." };
        var force = new Option<bool>("--force") { Description = "Replace OUT if it exists." };
        var json = CliOptions.Json();
        var command = new Command("convert", "Convert a model (PyTorch .pt, safetensors, HF or OpenAI folder) into an HF or OpenAI model folder.")
        {
            input, output, layout, dtype, vocab, force, json,
        };
        command.SetAction(parsed =>
        {
            ClipCheckpoint checkpoint = ModelFolder.Load(parsed.GetValue(input)!, parsed.GetValue(vocab));
            SafeTensorsDType type = parsed.GetValue(dtype) switch
            {
                "f16" => SafeTensorsDType.F16,
                "bf16" => SafeTensorsDType.BF16,
                "int8" => SafeTensorsDType.I8,
                _ => SafeTensorsDType.F32,
            };
            string outFolder = parsed.GetValue(output)!;

            // int8 exists in the OpenAI layout only, so it is the default there.
            bool layoutGiven = parsed.GetResult(layout) is { Implicit: false };
            ModelLayout target = parsed.GetValue(layout) == "openai" || (type == SafeTensorsDType.I8 && !layoutGiven)
                ? ModelLayout.OpenAi
                : ModelLayout.Hf;
            if (type == SafeTensorsDType.I8 && target == ModelLayout.Hf)
            {
                throw new CliException("convert: --dtype int8 writes the OpenAI layout only; add --layout openai (or use --dtype f16 for a Hugging Face folder).");
            }

            ModelConverter.Convert(checkpoint, outFolder, target, type, parsed.GetValue(force));
            context.Error.WriteLine(
                $"clip: wrote {outFolder} ({(target == ModelLayout.Hf ? "Hugging Face" : "OpenAI")} layout, {type}, {checkpoint.StateDict.Count} tensors) from {checkpoint.WeightsPath}");
            if (parsed.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("out", Path.GetFullPath(outFolder));
                    w.WriteString("layout", target == ModelLayout.Hf ? "hf" : "openai");
                    w.WriteString("dtype", parsed.GetValue(dtype));
                    w.WriteNumber("tensors", checkpoint.StateDict.Count);
                    w.WriteString("source", checkpoint.WeightsPath);
                    w.WriteEndObject();
                }));
            }

            return ClipCli.ExitOk;
        });
        return command;
    }
}
