using System.Runtime.InteropServices;
using ClipSharp.Checkpoints;
using ClipSharp.Checkpoints.Torch;
using ClipSharp.Testing;
using ClipSharp.Tests.IO;

namespace ClipSharp.Tests.Checkpoints.Torch;

/// <summary>Views, dtypes, open_clip checkpoints, and refusals, on archives built byte by byte.</summary>
public sealed class TorchReaderTests
{
    private static TorchCheckpoint ReadZip(byte[] pkl, Dictionary<string, byte[]> storages, bool torchScript = false)
        => TorchCheckpoint.Read(new MemoryStream(TorchZipBuilder.Build(pkl, storages, torchScript)), "test.pt");

    private static byte[] Bytes<T>(params T[] values)
        where T : struct => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    [Fact]
    public void ViewsFollowOffsetAndStridesIntoASharedStorage()
    {
        // storage 0..11; "t" = transposed [2,3] view at offset 2: [[2,4,6],[3,5,7]]; "row" = [3] at offset 9.
        byte[] pkl = new PickleBuilder().OrderedDict().Mark()
            .Str("t").Tensor("FloatStorage", "0", 12, 2, [2, 3], [1, 2])
            .Str("row").Tensor("FloatStorage", "0", 12, 9, [3], [1])
            .Str("scalar").Tensor("FloatStorage", "0", 12, 11, [], [])
            .Op('u').Stop().ToArray();
        using TorchCheckpoint c = ReadZip(pkl, new() { ["0"] = Bytes(Enumerable.Range(0, 12).Select(i => (float)i).ToArray()) });

        Assert.Equal(["t", "row", "scalar"], c.Tensors.Select(t => t.Key));
        Assert.Equal([2f, 4, 6, 3, 5, 7], c.Tensors[0].Value.ToFloat32());
        Assert.Equal([2, 3], c.Tensors[0].Value.Shape);
        Assert.Equal([9f, 10, 11], c.Tensors[1].Value.ToFloat32());
        Assert.Equal([11f], c.Tensors[2].Value.ToFloat32());
    }

    [Fact]
    public void EveryFloatDTypeAndTheIntegerBuffersConvert()
    {
        float[] values = [1.5f, -2.25f, 1e-3f];
        byte[] pkl = new PickleBuilder().OrderedDict().Mark()
            .Str("f").Tensor("FloatStorage", "0", 3, 0, [3], [1])
            .Str("h").Tensor("HalfStorage", "1", 3, 0, [3], [1])
            .Str("bf").Tensor("BFloat16Storage", "2", 3, 0, [3], [1])
            .Str("d").Tensor("DoubleStorage", "3", 3, 0, [3], [1])
            .Str("l").Tensor("LongStorage", "4", 2, 0, [2], [1])
            .Str("i").Tensor("IntStorage", "5", 2, 0, [2], [1])
            .Op('u').Stop().ToArray();
        using TorchCheckpoint c = ReadZip(pkl, new()
        {
            ["0"] = Bytes(values),
            ["1"] = Bytes(values.Select(v => (Half)v).ToArray()),
            ["2"] = Bytes(values.Select(SafeTensorsWriter.ToBFloat16).ToArray()),
            ["3"] = Bytes(values.Select(v => (double)v).ToArray()),
            ["4"] = Bytes(-5L, 1L << 40),
            ["5"] = Bytes(7, -8),
        });

        var t = c.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(values, t["f"].ToFloat32());
        Assert.Equal(values.Select(v => (float)(Half)v), t["h"].ToFloat32());
        Assert.Equal(values.Select(v => BitConverter.Int32BitsToSingle(SafeTensorsWriter.ToBFloat16(v) << 16)), t["bf"].ToFloat32());
        Assert.Equal(values, t["d"].ToFloat32());
        Assert.Equal([-5L, 1L << 40], t["l"].ToInt64());
        Assert.Equal([7L, -8L], t["i"].ToInt64());
        Assert.Equal(SafeTensorsDType.BF16, t["bf"].DType.ToSafeTensors());
        Assert.Throws<CheckpointFormatException>(() => t["f"].ToInt64());
    }

    [Fact]
    public void OpenClipCheckpointLoadsThroughModelFolder()
    {
        // {'epoch': 3, 'name': 'run', 'state_dict': OrderedDict('module.<name>': tensor)} as open_clip's training saves it.
        string weights = Fixtures.GoldenPath("model", "vit_tiny", "weights.safetensors");
        var expected = GoldenWeights.ReadAll(weights);
        var pickle = new PickleBuilder().Op('}').Mark().Str("epoch").Int(3).Str("name").Str("run").Str("state_dict").OrderedDict().Mark();
        var storages = new Dictionary<string, byte[]>();
        foreach (var (name, tensor) in expected)
        {
            string key = storages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            storages[key] = Bytes(tensor.ToArray());
            pickle.Str("module." + name).Tensor("FloatStorage", key, tensor.Length, 0, tensor.Shape.ToArray(), ContiguousStrides(tensor.Shape.ToArray()));
        }

        byte[] pkl = pickle.Op('u').Op('u').Stop().ToArray();
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("epoch_3.pt"), TorchZipBuilder.Build(pkl, storages, folder: "epoch_3"));
        folder.Copy(Fixtures.GoldenPath("model", "vit_tiny", "config.json"));

        ClipCheckpoint loaded = ModelFolder.Load(folder.Path, Fixtures.TinyVocab);
        Assert.Equal(CheckpointFormat.PyTorch, loaded.SourceFormat);
        Assert.Equal(folder.File("epoch_3.pt"), loaded.WeightsPath);
        GoldenWeights.AssertIdentical(expected, loaded.StateDict);
    }

    [Theory]
    [InlineData("os", "system")]
    [InlineData("builtins", "eval")]
    [InlineData("torch", "load")]
    [InlineData("__torch__.clip.model", "CLIP")]
    public void ForeignGlobalsAreRefusedByName(string module, string name)
    {
        byte[] pkl = new PickleBuilder().Global(module, name).Str("echo pwned").Op(0x85).Op('R').Stop().ToArray();
        var e = Assert.Throws<CheckpointFormatException>(() => ReadZip(pkl, []));
        Assert.Contains($"'{module}.{name}' is not allowed", e.Message, StringComparison.Ordinal);
        Assert.Contains("test.pt", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StackGlobalIsCheckedToo()
    {
        byte[] pkl = new PickleBuilder().Str("subprocess").Str("Popen").Op(0x93).Stop().ToArray();
        var e = Assert.Throws<CheckpointFormatException>(() => ReadZip(pkl, []));
        Assert.Contains("'subprocess.Popen' is not allowed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModuleClassesAreRebuiltAsAttributeHoldersOnlyInTorchScriptArchives()
    {
        byte[] pkl = new PickleBuilder().Global("__torch__.m", "M").Op(')').Op(0x81)
            .Op('}').Mark().Str("weight").Tensor("FloatStorage", "0", 2, 0, [2], [1]).Str("training").Bool(false).Op('u')
            .Op('b').Stop().ToArray();
        using TorchCheckpoint c = ReadZip(pkl, new() { ["0"] = Bytes(1f, 2f) }, torchScript: true);
        Assert.Equal(TorchFileFormat.TorchScript, c.Format);
        Assert.Equal("weight", Assert.Single(c.Tensors).Key);
        Assert.Equal("__torch__.m.M", Assert.IsType<PickleObject>(c.Root).ClassName);
    }

    [Fact]
    public void CyclicModuleTreesAreRefused()
    {
        // m.child = m, through the memo.
        byte[] pkl = new PickleBuilder().Global("__torch__.m", "M").Op(')').Op(0x81).Put(0)
            .Op('}').Mark().Str("child").Get(0).Op('u').Op('b').Stop().ToArray();
        var e = Assert.Throws<CheckpointFormatException>(() => ReadZip(pkl, [], torchScript: true));
        Assert.Contains("cyclic", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ViewsBeyondTheirStorageAreRefused()
    {
        byte[] pkl = new PickleBuilder().OrderedDict().Mark()
            .Str("t").Tensor("FloatStorage", "0", 4, 2, [2, 2], [2, 1]).Op('u').Stop().ToArray();
        var e = Assert.Throws<CheckpointFormatException>(() => ReadZip(pkl, new() { ["0"] = Bytes(new float[4]) }));
        Assert.Contains("reaches past its storage '0'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HugeDeclaredSizesAreRefusedBeforeAllocating()
    {
        byte[] huge = new PickleBuilder().OrderedDict().Mark()
            .Str("t").Tensor("FloatStorage", "0", 1L << 40, 0, [1 << 20, 1 << 20], [1 << 20, 1]).Op('u').Stop().ToArray();
        var e = Assert.Throws<CheckpointFormatException>(() => ReadZip(huge, new() { ["0"] = Bytes(new float[4]) }));
        Assert.Contains("more elements than one array holds", e.Message, StringComparison.Ordinal);

        // A storage that claims 2^28 floats over an entry of 16 bytes: refused when its bytes are asked for.
        byte[] lying = new PickleBuilder().OrderedDict().Mark()
            .Str("t").Tensor("FloatStorage", "0", 1 << 28, 0, [1 << 28], [1]).Op('u').Stop().ToArray();
        using TorchCheckpoint c = ReadZip(lying, new() { ["0"] = Bytes(new float[4]) });
        long before = GC.GetAllocatedBytesForCurrentThread();
        e = Assert.Throws<CheckpointFormatException>(() => c.Tensors[0].Value.ToFloat32());
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("must hold 1073741824 bytes", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 1 << 20, $"{allocated} bytes allocated");
    }

    [Fact]
    public void TrainingCheckpointWithoutStateDictSaysWhereWeightsBelong()
    {
        byte[] pkl = new PickleBuilder().Op('}').Mark().Str("epoch").Int(1).Op('u').Stop().ToArray();
        var e = Assert.Throws<CheckpointFormatException>(() => ReadZip(pkl, []));
        Assert.Contains("'state_dict'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SelfContainingListAndDeepNestingDoNotRecurse()
    {
        // l = []; l.append(l); then 100k nested empty lists: the reader is iterative.
        var b = new PickleBuilder().Op(']').Put(0).Get(0).Op('a');
        for (int i = 0; i < 100_000; i++)
        {
            b.Op(']');
        }

        for (int i = 0; i < 100_000; i++)
        {
            b.Op('a');
        }

        byte[] pkl = b.Stop().ToArray();
        object? root = new PickleReader(new MemoryStream(pkl), "nested", _ => null).Load();
        var list = Assert.IsType<PickleList>(root);
        Assert.Same(list, list.Items[0]);
        Assert.Throws<CheckpointFormatException>(() => ReadZip(pkl, []));
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 2, (byte)'X', 0xff, 0xff, 0xff, 0x7f })]
    [InlineData(new byte[] { 0x80, 2, 0x8e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f })]
    [InlineData(new byte[] { 0x80, 2, (byte)'h', 5, (byte)'.' })]
    [InlineData(new byte[] { 0x80, 2, (byte)'u', (byte)'.' })]
    [InlineData(new byte[] { 0x80, 2, (byte)'N', (byte)'N', (byte)'.' })]
    [InlineData(new byte[] { 0x80, 2, (byte)'i', (byte)'.' })]
    public void MalformedPicklesRaiseTheFormatError(byte[] pickle)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<CheckpointFormatException>(() => new PickleReader(new MemoryStream(pickle), "bad", _ => null).Load());
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 16);
    }

    private static long[] ContiguousStrides(int[] shape)
    {
        var strides = new long[shape.Length];
        long s = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = s;
            s *= shape[d];
        }

        return strides;
    }
}
