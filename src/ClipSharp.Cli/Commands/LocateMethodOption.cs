using System.CommandLine;
using ClipSharp.Localization;

namespace ClipSharp.Cli.Commands;

/// <summary><c>--method dense|gradient|occlusion</c> of <c>clip locate</c> and <c>clip eval locate</c>; the names are the library's.</summary>
internal static class LocateMethodOption
{
    /// <summary>One method, <paramref name="fallback"/> unless given.</summary>
    public static Option<string> One(string description, LocateMethod fallback)
    {
        var option = new Option<string>("--method") { Description = description, DefaultValueFactory = _ => fallback.Name() };
        option.AcceptOnlyFromAmong([.. LocateMethods.Names]);
        return option;
    }

    /// <summary>Several methods (repeatable), every method unless given.</summary>
    public static Option<string[]> Many(string description)
    {
        var option = new Option<string[]>("--method")
        {
            Description = description,
            Arity = ArgumentArity.OneOrMore,
            DefaultValueFactory = _ => [.. LocateMethods.Names],
        };
        option.AcceptOnlyFromAmong([.. LocateMethods.Names]);
        return option;
    }

    public static LocateMethod[] Parse(string[] names)
        => [.. names.Distinct(StringComparer.Ordinal).Select(n => LocateMethods.Parse(n) ?? throw new CliException($"--method: no method \"{n}\"."))];

    /// <summary>The model, with float32 weights when a method runs backward passes (the gradient method does).</summary>
    public static Clip Load(ModelOptions model, ParseResult parsed, IReadOnlyCollection<LocateMethod> methods, CancellationToken cancellation)
        => methods.Contains(LocateMethod.Gradient) ? model.LoadTrainable(parsed, cancellation) : model.Load(parsed, cancellation);

    /// <summary>The locator of a method, with the reason it cannot be had for this model as a command-line error.</summary>
    public static ClipLocator Locator(Clip clip, LocateMethod method, LocateOptions? options = null)
    {
        try
        {
            return ClipLocator.Create(clip, (options ?? LocateOptions.Default) with { Method = method });
        }
        catch (NotSupportedException e)
        {
            throw new CliException($"--method {method.Name()}: {e.Message}");
        }
        catch (LocateOptionsException e)
        {
            throw new CliException($"--{Flag(e.Option)}: {e.Message}");
        }
    }

    // The command-line flag of a LocateOptions property: OccluderSizes -> occluder-sizes.
    private static string Flag(string option)
        => string.Concat(option.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "-" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
