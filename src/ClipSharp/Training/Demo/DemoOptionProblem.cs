namespace ClipSharp.Training.Demo;

/// <summary>One option of <see cref="SyntheticDemoOptions"/> that breaks its rule: the property, the rule, the value given.</summary>
public sealed record DemoOptionProblem(string Option, string Rule, string Value)
{
    public override string ToString() => $"{Option} {Rule} (got {Value})";
}
