using ClipSharp.Checkpoints;
using ClipSharp.Tensors;
using ClipSharp.Testing;
using ClipSharp.Tests.IO;

namespace ClipSharp.Tests.Checkpoints;

public sealed class SafeTensorsWriterTests
{
    [Fact]
    public void RoundTripsEveryWritableType()
    {
        using var dir = new TempFolder();
        string path = dir.File("rt.safetensors");
        var rng = new Random(1234);
        float[] values = [.. Enumerable.Range(0, 6 * 5).Select(_ => (float)((rng.NextDouble() * 20) - 10))];
        new SafeTensorsWriter()
            .AddMetadata("format", "pt")
            .AddMetadata("note", "a + b <c> & 'd' é")
            .Add("w32", new Tensor(values, 6, 5))
            .Add("w16", values, [30], SafeTensorsDType.F16)
            .Add("wbf", values, [5, 6], SafeTensorsDType.BF16)
            .AddInt32("ids", new[] { -1, 0, int.MaxValue }, 3)
            .AddInt64("count", new[] { 7L }) // scalar
            .Save(path);

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(["count", "ids", "w16", "w32", "wbf"], file.Names.ToArray());
        Assert.Equal("a + b <c> & 'd' é", file.Metadata["note"]);
        Assert.Equal(values, file.ReadTensor("w32").ToArray());
        Assert.Equal([6, 5], file.Info("w32").Shape);
        Assert.Equal(values.Select(v => (float)(Half)v), file.ReadTensor("w16").ToArray());
        Assert.Equal(values.Select(v => BitConverter.Int32BitsToSingle(SafeTensorsWriter.ToBFloat16(v) << 16)), file.ReadTensor("wbf").ToArray());
        Assert.Equal([-1, 0, int.MaxValue], file.ReadInt32("ids"));
        Assert.Equal([7], file.ReadInt32("count"));
        Assert.Empty(file.Info("count").Shape);
        Assert.Equal(0, (new FileInfo(path).Length - 8 - (file.Tensors.Sum(t => t.End - t.Begin))) % 8);
    }

    [Fact]
    public void HeaderIsPaddedWithSpacesToEightBytes()
    {
        for (int n = 1; n <= 9; n++)
        {
            byte[] header = new SafeTensorsWriter().Add(new string('x', n), new float[] { 1 }, [1]).BuildHeader();
            ulong length = BitConverter.ToUInt64(header, 0);
            Assert.Equal((ulong)(header.Length - 8), length);
            Assert.Equal(0UL, length % 8);
            string json = System.Text.Encoding.UTF8.GetString(header, 8, header.Length - 8);
            Assert.EndsWith("}", json.TrimEnd(' '));
            Assert.True(json.TrimEnd(' ').Length > json.Length - 8);
        }
    }

    [Theory]
    [InlineData(1.0f, (ushort)0x3F80)]
    [InlineData(-2.0f, (ushort)0xC000)]
    [InlineData(0.0f, (ushort)0x0000)]
    [InlineData(float.PositiveInfinity, (ushort)0x7F80)]
    [InlineData(3.4028235e38f, (ushort)0x7F80)] // rounds up past the largest bfloat16
    public void BFloat16RoundsToNearestEven(float value, ushort expected) => Assert.Equal(expected, SafeTensorsWriter.ToBFloat16(value));

    [Fact]
    public void BFloat16TiesGoToEven()
    {
        // 1 + 2^-8 is halfway between bfloat16 1.0 (even mantissa) and 1 + 2^-7: it rounds down to even.
        Assert.Equal((ushort)0x3F80, SafeTensorsWriter.ToBFloat16(BitConverter.Int32BitsToSingle(0x3F808000)));

        // 1 + 3·2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even): it rounds up to even.
        Assert.Equal((ushort)0x3F82, SafeTensorsWriter.ToBFloat16(BitConverter.Int32BitsToSingle(0x3F818000)));

        // Just above halfway rounds up.
        Assert.Equal((ushort)0x3F81, SafeTensorsWriter.ToBFloat16(BitConverter.Int32BitsToSingle(0x3F808001)));
        Assert.True(float.IsNaN(BitConverter.Int32BitsToSingle(SafeTensorsWriter.ToBFloat16(float.NaN) << 16)));
    }

    [Theory]
    [InlineData("model", "vit_tiny", "weights.safetensors")]
    [InlineData("model", "rn_tiny", "weights.safetensors")]
    [InlineData("hf", "openai", "weights.safetensors")]
    public void RewritingAGoldenFileReproducesItByteForByte(string a, string b, string c)
    {
        string golden = Fixtures.GoldenPath(a, b, c);
        using var dir = new TempFolder();
        string path = dir.File("copy.safetensors");
        using (var file = SafeTensorsFile.Open(golden))
        {
            var writer = new SafeTensorsWriter();
            foreach (var (key, value) in file.Metadata)
            {
                writer.AddMetadata(key, value);
            }

            foreach (SafeTensorInfo t in file.Tensors)
            {
                if (t.DType == SafeTensorsDType.I64)
                {
                    writer.AddInt64(t.Name, file.ReadInt32(t.Name).Select(v => (long)v).ToArray(), t.Shape);
                }
                else
                {
                    writer.Add(t.Name, file.ReadTensor(t.Name), t.DType);
                }
            }

            writer.Save(path);
        }

        Assert.Equal(File.ReadAllBytes(golden), File.ReadAllBytes(path));
    }

    [Fact]
    public void RefusesToOverwriteUnlessAskedAndLeavesNoTemporaryFiles()
    {
        using var dir = new TempFolder();
        string path = dir.File("w.safetensors");
        var first = new SafeTensorsWriter().Add("a", new float[] { 1 }, [1]);
        first.Save(path);
        var second = new SafeTensorsWriter().Add("a", new float[] { 2 }, [1]);
        Assert.Throws<IOException>(() => second.Save(path));
        using (var f = SafeTensorsFile.Open(path))
        {
            Assert.Equal([1f], f.ReadTensor("a").ToArray());
        }

        second.Save(path, overwrite: true);
        using (var f = SafeTensorsFile.Open(path))
        {
            Assert.Equal([2f], f.ReadTensor("a").ToArray());
        }

        Assert.Equal(["w.safetensors"], dir.Entries());
    }

    [Fact]
    public void RejectsBadInput()
    {
        var w = new SafeTensorsWriter().Add("a", new float[] { 1 }, [1]);
        Assert.Throws<ArgumentException>(() => w.Add("a", new float[] { 1 }, [1]));
        Assert.Throws<ArgumentException>(() => w.Add("__metadata__", new float[] { 1 }, [1]));
        Assert.Throws<ArgumentException>(() => w.Add("b", new float[] { 1, 2 }, [3]));
        Assert.Throws<ArgumentException>(() => w.Add("c", new float[] { 1 }, [1], SafeTensorsDType.I32));
        Assert.Throws<ArgumentException>(() => w.AddMetadata("k", "1").AddMetadata("k", "2"));
    }
}
