using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using ClipSharp.Checkpoints;
using ClipSharp.Checkpoints.Torch;
using ClipSharp.Testing;
using ClipSharp.Tests.IO;

namespace ClipSharp.Tests.Checkpoints;

/// <summary>
/// Mutated checkpoints (truncations, flipped bytes, huge declared lengths, out-of-range offsets, recursive pickles),
/// with fixed seeds: each either loads or raises <see cref="CheckpointFormatException"/>, within a per-case time
/// limit, allocating no more than a small multiple of the file's size.
/// </summary>
public sealed class FuzzHostileFilesTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(10);

    // Materialising every tensor of a file needs its bytes plus a float32 copy (twice the bytes for fp16).
    private const long AllocationPerFileByte = 6;
    private const long AllocationSlack = 1 << 20;

    public enum Outcome
    {
        Loaded,
        Refused,
    }

    [Theory]
    [InlineData("state_dict.pt", 800)]
    [InlineData("legacy_state_dict.pt", 800)]
    [InlineData("torchscript_fp16.pt", 800)]
    public void MutatedTorchFilesLoadOrRaiseTheFormatError(string file, int cases)
    {
        byte[] original = File.ReadAllBytes(Fixtures.GoldenPath("torch_pt", file));
        byte[] buffer = (byte[])original.Clone();
        var (start, length) = PickleRegion(original, file);
        var random = new Random(5000 + file.Length);
        var counts = new Dictionary<Outcome, int>();
        for (int i = 0; i < cases; i++)
        {
            int size = buffer.Length;
            var flipped = new List<int>();
            switch (i % 4)
            {
                case 0: // truncation
                    size = random.Next(0, buffer.Length);
                    break;
                case 1: // bytes flipped in the pickle, where structure lives
                case 2:
                    for (int k = random.Next(1, 4); k > 0; k--)
                    {
                        flipped.Add(start + random.Next(length));
                    }

                    break;
                default: // bytes flipped anywhere, zip directory included
                    for (int k = random.Next(1, 8); k > 0; k--)
                    {
                        flipped.Add(random.Next(buffer.Length));
                    }

                    break;
            }

            foreach (int at in flipped)
            {
                buffer[at] ^= (byte)random.Next(1, 256);
            }

            Outcome outcome = RunCase($"{file} case {i}", size, () => LoadAll(buffer, size));
            counts[outcome] = counts.GetValueOrDefault(outcome) + 1;
            foreach (int at in flipped)
            {
                buffer[at] = original[at];
            }
        }

        output.WriteLine($"{file}: {string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value}"))}");
        Assert.True(counts.GetValueOrDefault(Outcome.Refused) > cases / 4, "most mutations must be detected");
    }

    [Fact]
    public void DataPicklesWithHugeLengthsAndOffsetsAreRefused()
    {
        // Every length field and every integer in the state_dict.pt pickle, set to extreme values one at a time.
        byte[] original = File.ReadAllBytes(Fixtures.GoldenPath("torch_pt", "state_dict.pt"));
        var (start, length) = PickleRegion(original, "state_dict.pt");
        int cases = 0;
        byte[] buffer = (byte[])original.Clone();
        int[] extremes = [int.MaxValue, int.MinValue, -1, 1 << 30, 0];
        for (int at = start; at < start + length - 5; at++)
        {
            byte op = original[at];
            if (op is not ((byte)'X' or (byte)'J'))
            {
                continue;
            }

            foreach (int value in extremes)
            {
                BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(at + 1, 4), value);
                RunCase($"state_dict.pt int at {at} = {value}", buffer.Length, () => LoadAll(buffer, buffer.Length));
                cases++;
            }

            original.AsSpan(at + 1, 4).CopyTo(buffer.AsSpan(at + 1, 4));
        }

        output.WriteLine($"{cases} extreme-value cases");
        Assert.True(cases > 500);
    }

    [Fact]
    public void RandomPicklesNeverEscapeTheFormatError()
    {
        // Random opcode soup drawn from the opcodes torch files use, plus the refused ones.
        byte[] opcodes = "(012NJKMXGtu}]aelsdhqrjRbQc)."u8.ToArray().Concat(new byte[] { 0x80, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x93, 0x94, 0x95, 0x81 }).ToArray();
        var random = new Random(5100);
        var counts = new Dictionary<Outcome, int>();
        for (int i = 0; i < 3000; i++)
        {
            var bytes = new byte[random.Next(1, 64)];
            for (int k = 0; k < bytes.Length; k++)
            {
                bytes[k] = random.Next(3) == 0 ? (byte)random.Next(256) : opcodes[random.Next(opcodes.Length)];
            }

            Outcome outcome = RunCase($"pickle {i}", bytes.Length, () =>
                new PickleReader(new MemoryStream(bytes, writable: false), "fuzz", id => throw new CheckpointFormatException("no storages here")).Load());
            counts[outcome] = counts.GetValueOrDefault(outcome) + 1;
        }

        output.WriteLine(string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value}")));
    }

    [Theory]
    [InlineData("torch_pt/expected_fp16_weights_outputs.safetensors", 1500)]
    [InlineData("model/vit_tiny/inputs.safetensors", 500)]
    public void MutatedSafetensorsFilesLoadOrRaiseTheFormatError(string relative, int cases)
    {
        byte[] original = File.ReadAllBytes(Fixtures.GoldenPath(relative.Split('/')));
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(original);
        byte[] header = original[8..headerEnd];
        using var folder = new TempFolder();
        string path = folder.File("fuzz.safetensors");
        var random = new Random(5200 + cases);
        var counts = new Dictionary<Outcome, int>();
        for (int i = 0; i < cases; i++)
        {
            byte[] mutated = (i % 4) switch
            {
                0 => original[..random.Next(0, original.Length)],
                1 => FlipIn(original, 0, headerEnd, random),
                2 => WithNumber(original, header, headerEnd, random),
                _ => FlipIn(original, 0, original.Length, random),
            };
            File.WriteAllBytes(path, mutated);
            Outcome outcome = RunCase($"{relative} case {i}", mutated.Length, () =>
            {
                using SafeTensorsFile f = SafeTensorsFile.Open(path);
                foreach (SafeTensorInfo t in f.Tensors)
                {
                    if (t.DType.IsFloatingPoint())
                    {
                        f.ReadTensor(t.Name);
                    }
                    else
                    {
                        f.RawBytes(t.Name);
                    }
                }
            });
            counts[outcome] = counts.GetValueOrDefault(outcome) + 1;
        }

        output.WriteLine($"{relative}: {string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value}"))}");
        Assert.True(counts.GetValueOrDefault(Outcome.Refused) > cases / 4);
    }

    /// <summary>Runs one case on a worker with a time limit; its own thread's allocations are bounded by the input size.</summary>
    private static Outcome RunCase(string name, long inputBytes, Action action)
    {
        var task = Task.Run(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Outcome outcome;
            try
            {
                action();
                outcome = Outcome.Loaded;
            }
            catch (CheckpointFormatException)
            {
                outcome = Outcome.Refused;
            }

            return (outcome, GC.GetAllocatedBytesForCurrentThread() - before);
        });
        var watch = Stopwatch.StartNew();
        Assert.True(task.Wait(CaseTimeout), $"{name}: still running after {CaseTimeout.TotalSeconds} s");
        var (result, allocated) = task.Result;
        long bound = (AllocationPerFileByte * inputBytes) + AllocationSlack;
        Assert.True(allocated <= bound, $"{name}: allocated {allocated} bytes for a {inputBytes}-byte input (bound {bound}).");
        return result;
    }

    private static void LoadAll(byte[] buffer, int size)
    {
        using TorchCheckpoint c = TorchCheckpoint.Read(new MemoryStream(buffer, 0, size, writable: false), "fuzz.pt");
        foreach (var (_, tensor) in c.Tensors)
        {
            if (tensor.DType.IsFloatingPoint())
            {
                tensor.ToFloat32();
            }
            else
            {
                tensor.ToInt64();
            }
        }
    }

    /// <summary>Where the file's structure pickle lies: data.pkl's bytes in a zip, the header pickles of a legacy file.</summary>
    private static (int Start, int Length) PickleRegion(byte[] file, string name)
    {
        if (name.StartsWith("legacy", StringComparison.Ordinal))
        {
            return (0, 10052);
        }

        // The central directory record (46 fixed bytes, then the name) gives the size and the local header's offset;
        // the data follows the local header's 30 fixed bytes, name and extra field.
        byte[] entry = Encoding.ASCII.GetBytes($"{Path.GetFileNameWithoutExtension(name)}/data.pkl");
        int central = file.AsSpan().LastIndexOf(entry) - 46;
        int compressed = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(central + 20));
        int header = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(central + 42));
        int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(header + 26));
        int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(header + 28));
        return (header + 30 + nameLength + extraLength, compressed);
    }

    private static byte[] FlipIn(byte[] original, int start, int end, Random random)
    {
        byte[] copy = (byte[])original.Clone();
        for (int k = random.Next(1, 4); k > 0; k--)
        {
            copy[start + random.Next(end - start)] ^= (byte)random.Next(1, 256);
        }

        return copy;
    }

    /// <summary>One number in the JSON header replaced by an extreme value of the same width or wider.</summary>
    private static byte[] WithNumber(byte[] original, byte[] header, int headerEnd, Random random)
    {
        string json = Encoding.UTF8.GetString(header);
        var digits = System.Text.RegularExpressions.Regex.Matches(json, "[0-9]+");
        var m = digits[random.Next(digits.Count)];
        string[] extremes = ["18446744073709551615", "9223372036854775807", "4294967296", "-1", "0", "99999999999"];
        string replaced = json[..m.Index] + extremes[random.Next(extremes.Length)] + json[(m.Index + m.Length)..];
        byte[] newHeader = Encoding.UTF8.GetBytes(replaced);
        var result = new byte[8 + newHeader.Length + (original.Length - headerEnd)];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)newHeader.Length);
        newHeader.CopyTo(result, 8);
        original.AsSpan(headerEnd).CopyTo(result.AsSpan(8 + newHeader.Length));
        return result;
    }
}
