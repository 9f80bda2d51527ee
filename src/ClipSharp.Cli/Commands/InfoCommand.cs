using System.CommandLine;
using System.Globalization;
using ClipSharp.Checkpoints;
using ClipSharp.Models;
using Spectre.Console;

namespace ClipSharp.Cli.Commands;

/// <summary><c>clip info</c>: what a model folder holds: layout, architecture, parameter count, stored dtypes, tokenizer.</summary>
internal static class InfoCommand
{
    public static Command Create(CliContext context)
    {
        var model = new ModelOptions();
        var json = new Option<bool>("--json") { Description = "One JSON object on stdout instead of a table." };
        var command = new Command("info", "Describe a model: layout, architecture, parameters and dtypes.") { json };
        model.AddTo(command);
        command.SetAction(parsed =>
        {
            ClipCheckpoint checkpoint = ModelFolder.Load(parsed.GetValue(model.Model)!, parsed.GetValue(model.Vocab));
            ClipConfig c = checkpoint.Config;
            var facts = Describe(checkpoint);
            if (parsed.GetValue(json))
            {
                context.Out.WriteLine(JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    foreach (var (key, value) in facts)
                    {
                        w.WriteString(key, value);
                    }

                    w.WriteNumber("parameters", ClipModel.CountParameters(c));
                    w.WriteEndObject();
                }));
            }
            else
            {
                var table = new Table().AddColumn("property").AddColumn("value");
                foreach (var (key, value) in facts)
                {
                    table.AddRow(Markup.Escape(key), Markup.Escape(value));
                }

                context.Ui.Write(table);
            }

            return ClipCli.ExitOk;
        });
        return command;
    }

    // What an inference load keeps in memory for the matrix weights.
    private static string Precision(ClipCheckpoint checkpoint)
    {
        int int8 = checkpoint.SourceDTypes.Count(kv => kv.Value == SafeTensorsDType.I8);
        if (int8 > 0)
        {
            return $"int8 ({int8} matrix weights, symmetric per output channel with float32 scales; for inference)";
        }

        if (!checkpoint.SourceDTypes.Any(kv => kv.Value == SafeTensorsDType.F16))
        {
            return "f32";
        }

        return checkpoint.Layout == ModelLayout.OpenAi
            ? "f16 (matrix weights kept in half precision at inference)"
            : "f16 (read as float32: Hugging Face layout)";
    }

    internal static List<(string Key, string Value)> Describe(ClipCheckpoint checkpoint)
    {
        ClipConfig c = checkpoint.Config;
        string? preset = ClipPresets.Names.FirstOrDefault(n => ClipPresets.Get(n).Equals(c));
        string vision = c.IsVisionTransformer
            ? $"VisionTransformer: {c.VisionLayers[0]} layers, width {c.VisionWidth}, {c.VisionHeads} heads, patch {c.VisionPatchSize}"
            : $"ModifiedResNet: stages [{string.Join(", ", c.VisionLayers)}], width {c.VisionWidth}, {c.VisionHeads} attention-pool heads";
        string dtypes = string.Join(", ", checkpoint.SourceDTypes.Values
            .GroupBy(d => d)
            .OrderByDescending(g => g.Count())
            .Select(g => $"{g.Key} x{g.Count()}"));
        return
        [
            ("path", checkpoint.Path),
            ("layout", checkpoint.Layout == ModelLayout.Hf ? "Hugging Face CLIPModel" : "OpenAI state dict"),
            ("weights", checkpoint.WeightsPath),
            ("format", checkpoint.SourceFormat switch
            {
                CheckpointFormat.PyTorch => "PyTorch zip archive (torch.save)",
                CheckpointFormat.PyTorchLegacy => "PyTorch legacy pickle stream (torch.save before 1.6)",
                CheckpointFormat.TorchScript => "TorchScript archive (torch.jit.save)",
                _ => "safetensors",
            }),
            ("architecture", preset ?? "custom"),
            ("vision", vision),
            ("image resolution", c.ImageResolution.ToString(CultureInfo.InvariantCulture)),
            ("text", $"Transformer: {c.TransformerLayers} layers, width {c.TransformerWidth}, {c.TransformerHeads} heads, context {c.ContextLength}, vocabulary {c.VocabSize}"),
            ("embedding dim", c.EmbedDim.ToString(CultureInfo.InvariantCulture)),
            ("activation", c.Activation == ActivationKind.QuickGelu ? "QuickGELU" : "GELU"),
            ("parameter count", ClipModel.CountParameters(c).ToString("N0", CultureInfo.InvariantCulture)),
            ("stored dtypes", dtypes),
            ("weights precision", Precision(checkpoint)),
            ("tokenizer", checkpoint.Tokenizer.Kind == TokenizerFileKind.OpenAiBpeGz
                ? checkpoint.Tokenizer.BpeGzPath!
                : $"{checkpoint.Tokenizer.VocabJsonPath} + {checkpoint.Tokenizer.MergesPath}"),
            ("preprocess", $"resize {checkpoint.Preprocess.ResizeShortestEdge}, crop {checkpoint.Preprocess.CropSize}, "
                + $"mean [{string.Join(", ", checkpoint.Preprocess.Mean)}], std [{string.Join(", ", checkpoint.Preprocess.Std)}]"),
        ];
    }
}
