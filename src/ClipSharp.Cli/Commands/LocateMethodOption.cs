using System.CommandLine;
using ClipSharp.Localization;

namespace ClipSharp.Cli.Commands;

/// <summary><c>--method dense|gradient</c> of <c>clip locate</c> and <c>clip eval locate</c>; the names are the library's.</summary>
internal static class LocateMethodOption
{
    public static Option<string[]> Create(string description, params LocateMethod[] defaults)
    {
        var option = new Option<string[]>("--method")
        {
            Description = description,
            Arity = defaults.Length > 1 ? ArgumentArity.OneOrMore : ArgumentArity.ExactlyOne,
            DefaultValueFactory = _ => [.. defaults.Select(m => m.Name())],
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
    public static ClipLocator Locator(Clip clip, LocateMethod method)
    {
        try
        {
            return ClipLocator.Create(clip, LocateOptions.Default with { Method = method });
        }
        catch (NotSupportedException e)
        {
            throw new CliException($"--method {method.Name()}: {e.Message}");
        }
    }
}
