using System.CommandLine;

namespace ClipSharp.Cli.Commands;

/// <summary>--model and --vocab, shared by every command that runs a model.</summary>
internal sealed class ModelOptions
{
    public Option<string> Model { get; } = new("--model", "-m")
    {
        Description = "Model folder (Hugging Face or OpenAI layout), or one weights file (.safetensors, or a PyTorch .pt/.pth/.bin: read without executing anything).",
        Required = true,
    };

    public Option<string?> Vocab { get; } = new("--vocab")
    {
        Description = "Tokenizer to use instead of the model's: bpe_simple_vocab_16e6.txt.gz, or a folder with vocab.json + merges.txt.",
    };

    public void AddTo(Command command)
    {
        command.Add(Model);
        command.Add(Vocab);
    }

    public Clip Load(ParseResult parsed) => Load(parsed, CancellationToken.None);

    public Clip Load(ParseResult parsed, CancellationToken cancellation) => Clip.Load(parsed.GetValue(Model)!, parsed.GetValue(Vocab), cancellation);

    /// <summary>The model with every weight as float32 in its parameter store, as backward passes need.</summary>
    public Clip LoadTrainable(ParseResult parsed, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        return Clip.FromCheckpoint(Checkpoints.ModelFolder.Load(parsed.GetValue(Model)!, parsed.GetValue(Vocab)));
    }
}
