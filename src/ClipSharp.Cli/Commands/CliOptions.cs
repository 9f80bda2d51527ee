using System.CommandLine;

namespace ClipSharp.Cli.Commands;

/// <summary>
/// The options that mean the same on every command, so that a flag has one name and one meaning across the CLI:
/// -i/--image, -t/--text, -o/--out, --template, --seed, --json. Names that older versions used stay as hidden aliases.
/// </summary>
internal static class CliOptions
{
    /// <summary>Image files: repeatable, and one flag takes several (so <c>-i *.jpg</c> works).</summary>
    public static Option<string[]> Images(string description, bool required = false) => new("--image", "-i")
    {
        Description = description,
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = true,
        Required = required,
    };

    public static Option<string[]> Texts(string description, bool required = false) => new("--text", "-t")
    {
        Description = description,
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = true,
        Required = required,
    };

    /// <summary>Where a command writes its result: a file or a folder, as the command says.</summary>
    public static Option<T> Out<T>(string description) => new("--out", "-o") { Description = description };

    /// <summary>Prompt templates for classification: a named set or a file.</summary>
    public static Option<string> Template() => new("--template")
    {
        Description = "Prompt templates: 'default' (the shipped ensemble), 'single' (\"a photo of a {}.\"), or a file with one template per line containing {}.",
        DefaultValueFactory = _ => "default",
    };

    public static Option<int> Seed(string description) => new("--seed") { Description = description, DefaultValueFactory = _ => 0 };

    public static Option<bool> Json(string description = "Print the result as JSON on stdout.") => new("--json") { Description = description };

    /// <summary>An old name of an option, accepted and left out of the help.</summary>
    public static Option<T> Legacy<T>(string name) => new(name) { Hidden = true };

    /// <summary>The option's value, or its old name's when only that was given.</summary>
    public static T? Value<T>(ParseResult parsed, Option<T> option, Option<T> legacy)
        => parsed.GetResult(legacy) is { Implicit: false } ? parsed.GetValue(legacy) : parsed.GetValue(option);

    /// <summary>Images given with -i/--image, then those given the old way (as positional arguments).</summary>
    public static string[] ImagePaths(ParseResult parsed, Option<string[]> images, Argument<string[]> positional)
        => [.. parsed.GetValue(images) ?? [], .. parsed.GetValue(positional) ?? []];

    /// <summary>The positional image arguments of older versions: still read, no longer shown.</summary>
    public static Argument<string[]> LegacyImageArguments() => new("legacy-images") { Arity = ArgumentArity.ZeroOrMore, Hidden = true };

    /// <summary>
    /// Checks an --out file before any work: its extension (<paramref name="extensions"/>, lower case with the dot),
    /// that it does not exist unless <paramref name="force"/>, and that its folder does.
    /// </summary>
    public static void CheckOutFile(string output, bool force, params string[] extensions)
    {
        string extension = Path.GetExtension(output).ToLowerInvariant();
        if (!extensions.Contains(extension))
        {
            throw new CliException($"{output}: --out must end in {string.Join(" or ", extensions)}.");
        }

        if (File.Exists(output) && !force)
        {
            throw new CliException($"{output}: already exists; pass --force to replace it.");
        }

        string? folder = Path.GetDirectoryName(Path.GetFullPath(output));
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new CliException($"{output}: folder {folder} does not exist.");
        }
    }
}
