using System.Text;
using ClipSharp.Checkpoints;
using ClipSharp.Testing;
using ClipSharp.Tests.IO;

namespace ClipSharp.Tests.Checkpoints;

public sealed class SafeTensorsFileTests
{
    [Fact]
    public void OpensThroughASymbolicLink()
    {
        // Model caches (the Hugging Face hub's among them) store weights as links to content-addressed blobs.
        string target = Fixtures.GoldenPath("model", "vit_tiny", "weights.safetensors");
        string link = Path.Combine(Path.GetTempPath(), $"clipsharp-link-{Guid.NewGuid():N}.safetensors");
        File.CreateSymbolicLink(link, target);
        try
        {
            using var linked = SafeTensorsFile.Open(link);
            using var direct = SafeTensorsFile.Open(target);
            Assert.Equal(direct.ReadTensor("visual.proj").ToArray(), linked.ReadTensor("visual.proj").ToArray());
        }
        finally
        {
            File.Delete(link);
        }
    }

    [Fact]
    public void ReadsGoldenModelWeights()
    {
        using var file = SafeTensorsFile.Open(Fixtures.GoldenPath("model", "vit_tiny", "weights.safetensors"));
        var proj = file.ReadTensor("visual.proj");
        Assert.Equal(new[] { 128, 32 }, proj.Shape.ToArray());
        Assert.Equal("2", file.Metadata["vision_layers"]);
    }

    [Fact]
    public void F16AndF32LayoutsAgree()
    {
        using var f16 = SafeTensorsFile.Open(Fixtures.GoldenPath("hf", "openai", "weights.safetensors"));
        Assert.Equal(SafeTensorsDType.F16, f16.Info("visual.proj").DType);
        var t = f16.ReadTensor("visual.proj");
        Assert.All(t.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void ConvertsEveryFloatTypeAndReadsIntegers()
    {
        using var dir = new TempFolder();
        string path = dir.File("t.safetensors");
        var data = new List<byte>();
        void Add(params byte[][] parts)
        {
            foreach (byte[] p in parts)
            {
                data.AddRange(p);
            }
        }

        Add(BitConverter.GetBytes(1.5f), BitConverter.GetBytes(-2f));          // F32 [0, 8)
        Add(BitConverter.GetBytes((Half)0.25f), BitConverter.GetBytes((Half)(-3f))); // F16 [8, 12)
        Add([0x80, 0x3F], [0x40, 0xC0]);                                         // BF16 1, -3 [12, 16)
        Add(BitConverter.GetBytes(0.1), BitConverter.GetBytes(-7.0));           // F64 [16, 32)
        Add(BitConverter.GetBytes(-5), BitConverter.GetBytes(9));               // I32 [32, 40)
        Add(BitConverter.GetBytes(3L), BitConverter.GetBytes(-4L));             // I64 [40, 56)
        Add([1, 0, 1]);                                                          // BOOL [56, 59)
        WriteRaw(path, """
            {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F16","shape":[2],"data_offsets":[8,12]},
             "c":{"dtype":"BF16","shape":[2],"data_offsets":[12,16]},"d":{"dtype":"F64","shape":[2],"data_offsets":[16,32]},
             "e":{"dtype":"I32","shape":[2],"data_offsets":[32,40]},"f":{"dtype":"I64","shape":[2],"data_offsets":[40,56]},
             "g":{"dtype":"BOOL","shape":[3],"data_offsets":[56,59]}}
            """, [.. data]);

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal([1.5f, -2f], file.ReadTensor("a").ToArray());
        Assert.Equal([0.25f, -3f], file.ReadTensor("b").ToArray());
        Assert.Equal([1f, -3f], file.ReadTensor("c").ToArray());
        Assert.Equal([(float)0.1, -7f], file.ReadTensor("d").ToArray());
        Assert.Equal([0.1, -7.0], file.ReadFloat64("d"));
        Assert.Equal([-5, 9], file.ReadInt32("e"));
        Assert.Equal([3, -4], file.ReadInt32("f"));
        Assert.Equal(SafeTensorsDType.BOOL, file.Info("g").DType);
        Assert.Equal([1, 0, 1], file.RawBytes("g").ToArray());
        var bad = Assert.Throws<CheckpointFormatException>(() => file.ReadTensor("g"));
        Assert.Contains("'g'", bad.Message);
        Assert.Throws<CheckpointFormatException>(() => file.ReadInt32("a"));
    }

    [Fact]
    public void MapsAlignedF32WithoutCopyingAndCopiesOtherwise()
    {
        using var dir = new TempFolder();
        string path = dir.File("m.safetensors");
        new SafeTensorsWriter()
            .Add("aligned", new float[] { 1, 2, 3, 4 }, [2, 2])
            .Add("half", new float[] { 5, 6 }, [2], SafeTensorsDType.F16)
            .Save(path);
        var file = SafeTensorsFile.Open(path);
        Assert.True(file.CanMap("aligned"));
        var mapped = file.MapTensor("aligned");
        Assert.Equal([1f, 2f, 3f, 4f], mapped.ToArray());
        Assert.False(file.CanMap("half"));
        Assert.Equal([5f, 6f], file.MapTensor("half").ToArray());

        // Copy-on-write: writing to a mapped tensor changes this process's view only, never the file.
        mapped.Span[0] = 42;
        Assert.Equal(42f, file.MapTensor("aligned").Span[0]);
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => mapped.Span[0]);
        using var reopened = SafeTensorsFile.Open(path);
        Assert.Equal(1f, reopened.ReadTensor("aligned").Span[0]);
    }

    [Fact]
    public void MisalignedF32IsCopied()
    {
        using var dir = new TempFolder();
        string path = dir.File("odd.safetensors");

        // A 2-byte F16 first puts the F32 tensor at an odd-of-four address.
        var bytes = new List<byte>(BitConverter.GetBytes((Half)1f));
        bytes.AddRange(BitConverter.GetBytes(7f));
        WriteRaw(path, """{"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}""", [.. bytes], pad: false);
        using var file = SafeTensorsFile.Open(path);
        Assert.False(file.CanMap("b"));
        Assert.Equal([7f], file.MapTensor("b").ToArray());
    }

    public static TheoryData<string, string, int, string> HostileHeaders => new()
    {
        { "bad JSON", """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}""", 4, "not valid JSON" },
        { "not an object", """[1, 2]""", 0, "not a JSON object" },
        { "duplicate key", """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "twice" },
        { "offsets out of range", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 4, "not a range inside" },
        { "negative offset", """{"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}""", 4, "not a range inside" },
        { "overlap", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "overlap" },
        { "hole", """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 12, "belong to no tensor" },
        { "trailing bytes", """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 12, "belong to no tensor" },
        { "shape/size mismatch", """{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8, "span 8 bytes" },
        { "overflowing shape", """{"a":{"dtype":"F64","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,8]}}""", 8, "too large" },
        { "negative dimension", """{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4, "shape dimension" },
        { "unknown dtype", """{"a":{"dtype":"F31","shape":[1],"data_offsets":[0,4]}}""", 4, "unknown dtype 'F31'" },
        { "numeric dtype", """{"a":{"dtype":"0","shape":[1],"data_offsets":[0,4]}}""", 4, "unknown dtype '0'" },
        { "missing fields", """{"a":{"dtype":"F32","shape":[1]}}""", 4, "data_offsets" },
        { "string offsets", """{"a":{"dtype":"F32","shape":[1],"data_offsets":["0","4"]}}""", 4, "not a range inside" },
        { "metadata not strings", """{"__metadata__":{"n":1},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 4, "only strings" },
        { "duplicate metadata", """{"__metadata__":{"n":"1"},"__metadata__":{"n":"2"}}""", 0, "two \"__metadata__\"" },
    };

    [Theory]
    [MemberData(nameof(HostileHeaders))]
    public void HostileHeadersAreRejectedWithTheFileName(string what, string header, int dataBytes, string expected)
    {
        using var dir = new TempFolder();
        string path = dir.File("hostile.safetensors");
        WriteRaw(path, header, new byte[dataBytes]);
        var e = Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Open(path).Dispose());
        Assert.Contains(path, e.Message);
        Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), $"{what}: '{e.Message}' should mention '{expected}'.");
    }

    [Fact]
    public void InvalidUtf8IsRejected()
    {
        using var dir = new TempFolder();
        string path = dir.File("utf8.safetensors");
        byte[] header = [(byte)'{', (byte)'"', 0xFF, (byte)'"', (byte)':', (byte)'1', (byte)'}', (byte)' '];
        WriteBytes(path, header, []);
        var e = Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Open(path).Dispose());
        Assert.Contains("UTF-8", e.Message);
    }

    [Fact]
    public void TruncatedAndHugeHeadersAreRejected()
    {
        using var dir = new TempFolder();
        string tiny = dir.File("tiny.safetensors");
        File.WriteAllBytes(tiny, [1, 2, 3]);
        Assert.Contains("too short", Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Open(tiny)).Message);

        // A real file cut in the middle of its data: the tensors no longer cover the data section.
        byte[] golden = File.ReadAllBytes(Fixtures.GoldenPath("model", "vit_tiny", "weights.safetensors"));
        string cut = dir.File("cut.safetensors");
        File.WriteAllBytes(cut, golden[..(golden.Length / 2)]);
        Assert.Contains(cut, Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Open(cut)).Message);

        string cutHeader = dir.File("cut-header.safetensors");
        File.WriteAllBytes(cutHeader, golden[..100]);
        Assert.Contains("runs past the end", Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Open(cutHeader)).Message);

        string huge = dir.File("huge.safetensors");
        var bytes = new byte[64];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), 200UL * 1024 * 1024);
        File.WriteAllBytes(huge, bytes);
        Assert.Contains("outside 1..", Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Open(huge)).Message);

        string negative = dir.File("negative.safetensors");
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), ulong.MaxValue);
        File.WriteAllBytes(negative, bytes);
        Assert.Contains("outside 1..", Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Open(negative)).Message);
    }

    [Fact]
    public void EmptyAndScalarTensorsAreAllowed()
    {
        using var dir = new TempFolder();
        string path = dir.File("edge.safetensors");
        WriteRaw(path, """{"empty":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},"scalar":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}""", BitConverter.GetBytes(2.5f));
        using var file = SafeTensorsFile.Open(path);
        Assert.Empty(file.ReadTensor("empty").ToArray());
        Assert.Equal([2.5f], file.ReadTensor("scalar").ToArray());
    }

    internal static void WriteRaw(string path, string header, byte[] data, bool pad = true)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        if (pad && json.Length % 8 != 0)
        {
            json = [.. json, .. Enumerable.Repeat((byte)' ', 8 - (json.Length % 8))];
        }

        WriteBytes(path, json, data);
    }

    private static void WriteBytes(string path, byte[] header, byte[] data)
    {
        using var s = File.Create(path);
        s.Write(BitConverter.GetBytes((ulong)header.Length));
        s.Write(header);
        s.Write(data);
    }
}
