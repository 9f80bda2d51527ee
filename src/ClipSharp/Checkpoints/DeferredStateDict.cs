using System.Collections;
using System.Diagnostics.CodeAnalysis;
using ClipSharp.Layers;
using ClipSharp.Tensors;

namespace ClipSharp.Checkpoints;

/// <summary>
/// An OpenAI-named state dict whose tensors stay in the weights file until asked for. Names and shapes come from
/// the header; <c>CopyInto</c> reads each tensor straight into a model's parameter store, so loading never
/// holds a second float32 copy of the model. Reading a value through the dictionary interface reads every tensor
/// once (a float32 copy each) and keeps them.
/// </summary>
internal sealed class DeferredStateDict : IReadOnlyDictionary<string, Tensor>
{
    private readonly string _path;
    private readonly Func<IWeightSource> _open;
    private readonly IReadOnlyDictionary<string, string> _storedNames;
    private readonly IReadOnlyDictionary<string, int[]> _shapes;
    private readonly IReadOnlyDictionary<string, SafeTensorsDType> _dtypes;
    private readonly Lazy<Dictionary<string, Tensor>> _tensors;

    /// <param name="path">The weights file, for messages.</param>
    /// <param name="open">Opens the weights file again (the caller's handle is closed by the time tensors are read).</param>
    /// <param name="storedNames">OpenAI name to the name in the file.</param>
    /// <param name="shapes">OpenAI name to the tensor's shape.</param>
    /// <param name="dtypes">OpenAI name to the stored dtype (int8 weights are dequantised when read as float32).</param>
    public DeferredStateDict(
        string path, Func<IWeightSource> open, IReadOnlyDictionary<string, string> storedNames, IReadOnlyDictionary<string, int[]> shapes,
        IReadOnlyDictionary<string, SafeTensorsDType> dtypes)
    {
        _path = path;
        _open = open;
        _storedNames = storedNames;
        _shapes = shapes;
        _dtypes = dtypes;
        _tensors = new Lazy<Dictionary<string, Tensor>>(ReadAll, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Checked before each tensor is read: a cancelled load stops between two tensors.</summary>
    public CancellationToken Cancellation { get; init; }

    public int Count => _storedNames.Count;

    public IEnumerable<string> Keys => _storedNames.Keys;

    public IEnumerable<Tensor> Values => _tensors.Value.Values;

    public Tensor this[string key] => _tensors.Value[key];

    public bool ContainsKey(string key) => _storedNames.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out Tensor value) => _tensors.Value.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => _tensors.Value.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The shape of a tensor without reading it.</summary>
    public bool TryGetShape(string name, [MaybeNullWhen(false)] out int[] shape) => _shapes.TryGetValue(name, out shape);

    /// <summary>
    /// True for a matrix weight (<see cref="QuantizedWeights.IsQuantizable"/>): an inference model keeps it in the
    /// GEMM's packed layout, f16 and int8 in that precision, float32 (and bf16, f64) as float32, instead of in the
    /// float32 parameter store.
    /// </summary>
    public bool IsPackedWeight(string name)
        => _dtypes.TryGetValue(name, out SafeTensorsDType dtype)
        && (dtype == SafeTensorsDType.I8 || dtype.IsFloatingPoint())
        && QuantizedWeights.IsQuantizable(name, _shapes[name]);

    /// <summary>Reads every parameter's tensor (same name, shapes already checked) into its bound value.</summary>
    public void CopyInto(IEnumerable<Parameter> parameters) => CopyInto(parameters, []);

    /// <summary>
    /// As <see cref="CopyInto(IEnumerable{Parameter})"/>, and gives each of <paramref name="packed"/> (unbound
    /// parameters, see <see cref="IsPackedWeight"/>) its weight packed, read from the file one tensor at a time.
    /// </summary>
    public void CopyInto(IEnumerable<Parameter> parameters, IReadOnlyCollection<Parameter> packed)
    {
        if (_tensors.IsValueCreated && packed.Count == 0)
        {
            foreach (Parameter p in parameters)
            {
                _tensors.Value[p.Name].Span.CopyTo(p.Value.Span);
            }

            return;
        }

        Read(source =>
        {
            foreach (Parameter p in parameters)
            {
                Cancellation.ThrowIfCancellationRequested();
                if (_tensors.IsValueCreated)
                {
                    _tensors.Value[p.Name].Span.CopyTo(p.Value.Span);
                }
                else if (_dtypes[p.Name] == SafeTensorsDType.I8)
                {
                    QuantizedWeights.ReadDequantized(source, p.Name, _storedNames[p.Name], p.Value.Span);
                }
                else
                {
                    source.ReadInto(_storedNames[p.Name], p.Value.Span);
                }
            }

            foreach (Parameter p in packed)
            {
                Cancellation.ThrowIfCancellationRequested();
                p.AttachPacked(QuantizedWeights.ReadPacked(source, p.Name, _storedNames[p.Name]));
            }
        });
    }

    private Dictionary<string, Tensor> ReadAll()
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        Read(source =>
        {
            foreach (var (name, stored) in _storedNames)
            {
                Cancellation.ThrowIfCancellationRequested();
                tensors.Add(name, ModelFolder.ReadFloat32(source, name, stored));
            }
        });
        return tensors;
    }

    // The same failures, as the same exception, as an eager ModelFolder.Load would have raised.
    private void Read(Action<IWeightSource> read)
    {
        try
        {
            using IWeightSource source = _open();
            read(source);
        }
        catch (CheckpointFormatException e)
        {
            throw new ModelLoadException(e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{_path}: {e.Message}", e);
        }
    }
}
