namespace ClipSharp.Training.Demo;

/// <summary>
/// <see cref="SyntheticDemoOptions"/> that cannot make a demo, found before anything is rendered or trained. Every
/// broken rule is listed, so one attempt shows them all; a front end can name each by its own spelling of the option.
/// </summary>
public sealed class DemoOptionsException : ArgumentException
{
    public DemoOptionsException()
    {
        Problems = [];
    }

    public DemoOptionsException(string message)
        : base(message)
    {
        Problems = [];
    }

    public DemoOptionsException(string message, Exception inner)
        : base(message, inner)
    {
        Problems = [];
    }

    public DemoOptionsException(IReadOnlyList<DemoOptionProblem> problems)
        : base("the demo's options cannot make a demo: " + string.Join("; ", problems ?? []) + ".")
    {
        ArgumentNullException.ThrowIfNull(problems);
        Problems = problems;
    }

    public IReadOnlyList<DemoOptionProblem> Problems { get; }
}
