using System.Buffers.Binary;
using System.Text;

namespace ClipSharp.Tests.Checkpoints.Torch;

/// <summary>Writes protocol-2 pickle opcodes, so tests can build checkpoints, including hostile ones, byte by byte.</summary>
internal sealed class PickleBuilder
{
    private readonly MemoryStream _out = new();

    public PickleBuilder() => Op(0x80, 2);

    public byte[] ToArray() => _out.ToArray();

    public PickleBuilder Op(params byte[] bytes)
    {
        _out.Write(bytes);
        return this;
    }

    public PickleBuilder Op(char op) => Op((byte)op);

    public PickleBuilder Mark() => Op('(');

    public PickleBuilder Stop() => Op('.');

    public PickleBuilder None() => Op('N');

    public PickleBuilder Bool(bool value) => Op(value ? (byte)0x88 : (byte)0x89);

    public PickleBuilder Int(int value)
    {
        Op('J');
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, value);
        return Op(b.ToArray());
    }

    /// <summary>LONG1 for values beyond 32 bits.</summary>
    public PickleBuilder Long(long value)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, value);
        return Op(0x8a, 8).Op(b);
    }

    public PickleBuilder Str(string value)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        var len = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(len, utf8.Length);
        return Op('X').Op(len).Op(utf8);
    }

    public PickleBuilder Global(string module, string name) => Op('c').Op(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));

    public PickleBuilder Tuple() => Op('t');

    public PickleBuilder Put(int index) => Op((byte)'q', (byte)index);

    public PickleBuilder Get(int index) => Op((byte)'h', (byte)index);

    /// <summary>An empty <c>collections.OrderedDict</c>.</summary>
    public PickleBuilder OrderedDict() => Global("collections", "OrderedDict").Op(')').Op('R');

    /// <summary><c>_rebuild_tensor_v2(('storage', torch.&lt;cls&gt;, key, 'cpu', numel), offset, size, stride, False, OrderedDict())</c>.</summary>
    public PickleBuilder Tensor(string storageClass, string key, long numel, long offset, int[] shape, long[] stride, bool legacy = false)
    {
        Global("torch._utils", "_rebuild_tensor_v2").Mark();
        Mark().Str("storage").Global("torch", storageClass).Str(key).Str("cpu").Long(numel);
        if (legacy)
        {
            None();
        }

        Tuple().Op('Q');
        Long(offset).Mark();
        foreach (int d in shape)
        {
            Int(d);
        }

        Tuple().Mark();
        foreach (long s in stride)
        {
            Long(s);
        }

        return Tuple().Bool(false).OrderedDict().Tuple().Op('R');
    }
}
