namespace ClipSharp.Layers;

/// <summary>
/// Where a layer declares its tensors: the trainable parameters go to one layout, running statistics (buffers) to
/// another, both under a dotted name prefix that mirrors the reference module tree.
/// </summary>
internal sealed class ParameterScope
{
    private readonly string _prefix;

    public ParameterScope(ParameterLayout parameters, ParameterLayout buffers, string prefix = "")
    {
        Parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
        Buffers = buffers ?? throw new ArgumentNullException(nameof(buffers));
        _prefix = prefix;
    }

    public ParameterLayout Parameters { get; }

    public ParameterLayout Buffers { get; }

    /// <summary>The dotted path of this scope, e.g. <c>visual.transformer.resblocks.3</c>.</summary>
    public string Prefix => _prefix;

    public ParameterScope Child(string name) => new(Parameters, Buffers, Qualify(name));

    public Parameter Parameter(string name, int[] shape, ParameterInit init = ParameterInit.Zeros, float initValue = 0f)
        => Parameters.Add(Qualify(name), shape, init, initValue);

    public Parameter Buffer(string name, int[] shape, ParameterInit init = ParameterInit.Zeros, float initValue = 0f)
        => Buffers.Add(Qualify(name), shape, init, initValue);

    public string Qualify(string name) => _prefix.Length == 0 ? name : $"{_prefix}.{name}";
}
