using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace ClipSharp.Checkpoints.Torch;

/// <summary>
/// A restricted unpickler (protocols 2 to 5, binary opcodes). It builds primitives, strings, bytes, tuples, lists,
/// dicts and <c>collections.OrderedDict</c>, tensors through <c>torch._utils._rebuild_tensor_v2</c> and
/// <c>_rebuild_parameter</c>, and storages through the persistent-load hook; with
/// <see cref="AllowModuleClasses"/>, TorchScript module classes (<c>__torch__.*</c>) become plain attribute
/// holders. Any other global is refused with a <see cref="CheckpointFormatException"/> naming it, and nothing is
/// ever executed. Every declared length is checked against the bytes left before anything is allocated, and the
/// reader is iterative, so no input can exhaust memory or the call stack.
/// </summary>
public sealed class PickleReader
{
    private const int MaxGlobalNameLength = 512;

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly Stream _stream;
    private readonly string _source;
    private readonly Func<PickleTuple, object?> _persistentLoad;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private long _opStart;

    /// <param name="stream">The pickle, read from its current position up to and including STOP.</param>
    /// <param name="source">Names the input in error messages.</param>
    /// <param name="persistentLoad">Turns a persistent id (a tuple) into a value; it must validate what it is given.</param>
    public PickleReader(Stream stream, string source, Func<PickleTuple, object?> persistentLoad)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(persistentLoad);
        _stream = stream;
        _source = source;
        _persistentLoad = persistentLoad;
    }

    /// <summary>Allow <c>__torch__.*</c> classes (TorchScript's module tree), rebuilt as <see cref="PickleObject"/>.</summary>
    public bool AllowModuleClasses { get; init; }

    /// <summary>Reads one pickle and returns its value.</summary>
    public object? Load()
    {
        while (true)
        {
            _opStart = _stream.Position;
            int op = _stream.ReadByte();
            if (op < 0)
            {
                throw Error("the pickle ends before its STOP opcode");
            }

            switch ((byte)op)
            {
                case 0x80: // PROTO
                    int protocol = ReadByte();
                    if (protocol > 5)
                    {
                        throw Error($"pickle protocol {protocol} is not supported");
                    }

                    break;
                case 0x95: // FRAME: only a read-ahead hint
                    ReadInt64();
                    break;
                case (byte)'.': // STOP
                    if (_stack.Count != 1 || _marks.Count != 0)
                    {
                        throw Error($"STOP with {_stack.Count} values on the stack and {_marks.Count} open marks");
                    }

                    return _stack[0];
                case (byte)'(': // MARK
                    _marks.Add(_stack.Count);
                    break;
                case (byte)'0': // POP
                    Pop();
                    break;
                case (byte)'1': // POP_MARK
                    PopMark();
                    break;
                case (byte)'2': // DUP
                    Push(Peek());
                    break;
                case (byte)'N':
                    Push(null);
                    break;
                case 0x88:
                    Push(true);
                    break;
                case 0x89:
                    Push(false);
                    break;
                case (byte)'J': // BININT
                    Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4)));
                    break;
                case (byte)'K': // BININT1
                    Push((long)ReadByte());
                    break;
                case (byte)'M': // BININT2
                    Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2)));
                    break;
                case 0x8a: // LONG1
                    Push(ReadLong(ReadByte()));
                    break;
                case 0x8b: // LONG4
                    Push(ReadLong(ReadLength(BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4)))));
                    break;
                case (byte)'G': // BINFLOAT, big-endian
                    Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8)));
                    break;
                case (byte)'X': // BINUNICODE
                    Push(ReadUtf8(ReadLength(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)))));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    Push(ReadUtf8(ReadByte()));
                    break;
                case 0x8d: // BINUNICODE8
                    Push(ReadUtf8(ReadLength(ReadInt64())));
                    break;
                case (byte)'T': // BINSTRING (Python 2 str, read as Latin-1)
                    Push(Encoding.Latin1.GetString(ReadBytes(ReadLength(BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))))));
                    break;
                case (byte)'U': // SHORT_BINSTRING
                    Push(Encoding.Latin1.GetString(ReadBytes(ReadByte())));
                    break;
                case (byte)'B': // BINBYTES
                    Push(ReadBytes(ReadLength(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)))));
                    break;
                case (byte)'C': // SHORT_BINBYTES
                    Push(ReadBytes(ReadByte()));
                    break;
                case 0x8e: // BINBYTES8
                    Push(ReadBytes(ReadLength(ReadInt64())));
                    break;
                case (byte)')':
                    Push(new PickleTuple([]));
                    break;
                case (byte)'t':
                    Push(new PickleTuple(PopMark()));
                    break;
                case 0x85:
                    Push(new PickleTuple([Pop()]));
                    break;
                case 0x86:
                    {
                        object? b = Pop(), a = Pop();
                        Push(new PickleTuple([a, b]));
                        break;
                    }

                case 0x87:
                    {
                        object? c = Pop(), b = Pop(), a = Pop();
                        Push(new PickleTuple([a, b, c]));
                        break;
                    }

                case (byte)']':
                    Push(new PickleList([]));
                    break;
                case (byte)'l':
                    Push(new PickleList(PopMark()));
                    break;
                case (byte)'a': // APPEND
                    {
                        object? item = Pop();
                        Expect<PickleList>(Peek(), "APPEND").Items.Add(item);
                        break;
                    }

                case (byte)'e': // APPENDS
                    {
                        List<object?> items = PopMark();
                        Expect<PickleList>(Peek(), "APPENDS").Items.AddRange(items);
                        break;
                    }

                case (byte)'}':
                    Push(new PickleDict());
                    break;
                case (byte)'d':
                    {
                        var dict = new PickleDict();
                        SetItems(dict, PopMark());
                        Push(dict);
                        break;
                    }

                case (byte)'s': // SETITEM
                    {
                        object? value = Pop(), key = Pop();
                        Wrap(() => Expect<PickleDict>(Peek(), "SETITEM").Set(key, value));
                        break;
                    }

                case (byte)'u': // SETITEMS
                    {
                        List<object?> items = PopMark();
                        SetItems(Expect<PickleDict>(Peek(), "SETITEMS"), items);
                        break;
                    }

                case (byte)'c': // GLOBAL
                    {
                        string module = ReadLine(), name = ReadLine();
                        Push(ResolveGlobal(module, name));
                        break;
                    }

                case 0x93: // STACK_GLOBAL
                    {
                        object? name = Pop(), module = Pop();
                        Push(ResolveGlobal(Expect<string>(module, "STACK_GLOBAL"), Expect<string>(name, "STACK_GLOBAL")));
                        break;
                    }

                case (byte)'R': // REDUCE
                    {
                        object? args = Pop(), callable = Pop();
                        Push(Reduce(Expect<PickleGlobal>(callable, "REDUCE"), Expect<PickleTuple>(args, "REDUCE")));
                        break;
                    }

                case 0x81: // NEWOBJ
                    {
                        object? args = Pop(), cls = Pop();
                        Push(NewObject(Expect<PickleGlobal>(cls, "NEWOBJ"), Expect<PickleTuple>(args, "NEWOBJ")));
                        break;
                    }

                case (byte)'b': // BUILD
                    {
                        object? state = Pop();
                        Build(Peek(), state);
                        break;
                    }

                case (byte)'q': // BINPUT
                    _memo[ReadByte()] = Peek();
                    break;
                case (byte)'r': // LONG_BINPUT
                    _memo[BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))] = Peek();
                    break;
                case 0x94: // MEMOIZE
                    _memo[_memo.Count] = Peek();
                    break;
                case (byte)'h': // BINGET
                    Push(MemoGet(ReadByte()));
                    break;
                case (byte)'j': // LONG_BINGET
                    Push(MemoGet(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))));
                    break;
                case (byte)'Q': // BINPERSID
                    Push(_persistentLoad(Expect<PickleTuple>(Pop(), "BINPERSID")));
                    break;
                default:
                    throw Error($"opcode 0x{op:x2} is not supported by this restricted reader");
            }
        }
    }

    /// <summary>A short type name for error messages.</summary>
    internal static string Describe(object? value) => value switch
    {
        null => "None",
        long or BigInteger => "int",
        bool => "bool",
        double => "float",
        string => "str",
        byte[] => "bytes",
        PickleTuple => "tuple",
        PickleList => "list",
        PickleDict => "dict",
        PickleObject o => o.ClassName,
        PickleGlobal g => $"global {g}",
        TorchStorage => "storage",
        TorchTensor => "tensor",
        _ => value.GetType().Name,
    };

    private object ResolveGlobal(string module, string name)
    {
        bool allowed = (module, name) switch
        {
            ("collections", "OrderedDict") => true,
            ("torch._utils", "_rebuild_tensor_v2" or "_rebuild_parameter") => true,
            ("torch", _) when TorchDTypes.FromStorageClass(name) is not null => true,
            _ => AllowModuleClasses && (module == "__torch__" || module.StartsWith("__torch__.", StringComparison.Ordinal)),
        };
        if (!allowed)
        {
            throw Error($"the global '{module}.{name}' is not allowed (only tensors, storages, dicts and OrderedDicts are rebuilt{(AllowModuleClasses ? ", and TorchScript __torch__ modules" : string.Empty)})");
        }

        return new PickleGlobal(module, name);
    }

    private object? Reduce(PickleGlobal callable, PickleTuple args)
    {
        IReadOnlyList<object?> a = args.Items;
        switch (callable.Module, callable.Name)
        {
            case ("collections", "OrderedDict"):
                if (a.Count != 0)
                {
                    throw Error("OrderedDict is rebuilt only from no arguments");
                }

                return new PickleDict();
            case ("torch._utils", "_rebuild_tensor_v2"):
                if (a.Count is < 6 or > 7)
                {
                    throw Error($"_rebuild_tensor_v2 takes 6 or 7 arguments, got {a.Count}");
                }

                return Wrap(() => new TorchTensor(
                    Expect<TorchStorage>(a[0], "_rebuild_tensor_v2 storage"),
                    Int64(a[1], "storage offset"),
                    IntTuple(a[2], "size").Select(d => d is >= 0 and <= int.MaxValue ? (int)d : throw Error($"tensor size {d} is out of range")).ToArray(),
                    IntTuple(a[3], "stride"),
                    _source));
            case ("torch._utils", "_rebuild_parameter"):
                if (a.Count != 3)
                {
                    throw Error($"_rebuild_parameter takes 3 arguments, got {a.Count}");
                }

                return Expect<TorchTensor>(a[0], "_rebuild_parameter data");
            default:
                throw Error($"'{callable}' cannot be called here");
        }
    }

    private PickleObject NewObject(PickleGlobal cls, PickleTuple args)
    {
        if (!cls.Module.StartsWith("__torch__", StringComparison.Ordinal) || args.Items.Count != 0)
        {
            throw Error($"NEWOBJ of '{cls}' with {args.Items.Count} arguments; only TorchScript module classes without arguments are rebuilt");
        }

        return new PickleObject(cls.ToString());
    }

    private void Build(object? target, object? state)
    {
        switch (target)
        {
            case PickleDict dict:
                dict.State = state;
                break;
            case PickleObject obj when obj.Attributes is null:
                obj.Attributes = Expect<PickleDict>(state, $"BUILD of {obj.ClassName}");
                break;
            default:
                throw Error($"BUILD on a {Describe(target)} is not supported");
        }
    }

    private void SetItems(PickleDict dict, List<object?> items)
    {
        if (items.Count % 2 != 0)
        {
            throw Error("SETITEMS with an odd number of values");
        }

        for (int i = 0; i < items.Count; i += 2)
        {
            object? key = items[i], value = items[i + 1];
            Wrap(() => dict.Set(key, value));
        }
    }

    private long[] IntTuple(object? value, string what)
    {
        var tuple = Expect<PickleTuple>(value, what);
        var result = new long[tuple.Items.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = Int64(tuple.Items[i], what);
        }

        return result;
    }

    private long Int64(object? value, string what)
        => PickleNumbers.TryInt64(value, out long result) ? result : throw Error($"{what}: expected an int, got {Describe(value)}");

    private T Expect<T>(object? value, string what)
        => value is T t ? t : throw Error($"{what}: expected {typeof(T).Name}, got {Describe(value)}");

    private T Wrap<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (CheckpointFormatException e) when (!e.Message.StartsWith(_source, StringComparison.Ordinal))
        {
            throw Error(e.Message);
        }
    }

    private void Wrap(Action action) => Wrap(() =>
    {
        action();
        return 0;
    });

    private object? MemoGet(long index)
        => _memo.TryGetValue(index, out object? value) ? value : throw Error($"memo entry {index} is read before it is written");

    private void Push(object? value) => _stack.Add(value);

    private object? Peek()
    {
        int floor = _marks.Count > 0 ? _marks[^1] : 0;
        return _stack.Count > floor ? _stack[^1] : throw Error("the stack is empty");
    }

    private object? Pop()
    {
        object? value = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private List<object?> PopMark()
    {
        if (_marks.Count == 0)
        {
            throw Error("no MARK to pop to");
        }

        int start = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        List<object?> items = _stack.GetRange(start, _stack.Count - start);
        _stack.RemoveRange(start, _stack.Count - start);
        return items;
    }

    private int ReadByte()
    {
        int b = _stream.ReadByte();
        return b >= 0 ? b : throw Error("the pickle is truncated");
    }

    private long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(ReadBytes(8));

    /// <summary>A declared length, refused when more bytes are claimed than the input has left.</summary>
    private int ReadLength(long declared)
    {
        long left = _stream.Length - _stream.Position;
        if (declared < 0 || declared > left)
        {
            throw Error($"a length of {declared} bytes is declared but only {left} are left");
        }

        return (int)Math.Min(declared, Array.MaxLength);
    }

    private byte[] ReadBytes(int count)
    {
        ReadLength(count);
        var bytes = new byte[count];
        _stream.ReadExactly(bytes);
        return bytes;
    }

    private string ReadUtf8(int count)
    {
        byte[] bytes = ReadBytes(count);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Error("a string is not valid UTF-8");
        }
    }

    private string ReadLine()
    {
        var sb = new StringBuilder();
        while (true)
        {
            int b = ReadByte();
            if (b == '\n')
            {
                return sb.ToString();
            }

            if (sb.Length >= MaxGlobalNameLength || b < 0x20 || b > 0x7e)
            {
                throw Error("a GLOBAL name is not a printable line of at most 512 characters");
            }

            sb.Append((char)b);
        }
    }

    private object ReadLong(int length)
    {
        if (length == 0)
        {
            return 0L;
        }

        var value = new BigInteger(ReadBytes(length), isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : value;
    }

    private CheckpointFormatException Error(string message)
        => new($"{_source}: {message} (pickle byte {_opStart}).");
}
