using ClipSharp.Layers;

namespace ClipSharp.Training;

/// <summary>Parameters that share a weight decay.</summary>
public sealed record ParameterGroup(string Name, double WeightDecay, IReadOnlyList<Parameter> Parameters);
