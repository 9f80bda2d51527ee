using ClipSharp.Checkpoints;
using ClipSharp.Tensors;

namespace ClipSharp.Tests.Checkpoints;

internal static class GoldenWeights
{
    public static Dictionary<string, Tensor> ReadAll(string path, bool skipIntegers = true)
    {
        using var file = SafeTensorsFile.Open(path);
        return file.Tensors
            .Where(t => !skipIntegers || t.DType.IsFloatingPoint())
            .ToDictionary(t => t.Name, t => file.ReadTensor(t.Name), StringComparer.Ordinal);
    }

    public static Dictionary<string, int[]> Shapes(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        return file.Tensors.ToDictionary(t => t.Name, t => t.Shape, StringComparer.Ordinal);
    }

    public static Dictionary<string, string> Metadata(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        return new Dictionary<string, string>(file.Metadata);
    }

    /// <summary>Asserts the same names, shapes and bit patterns.</summary>
    public static void AssertIdentical(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyDictionary<string, Tensor> actual)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, e) in expected)
        {
            Tensor a = actual[name];
            Assert.True(e.Shape.SequenceEqual(a.Shape), $"{name}: {e.ShapeString} vs {a.ShapeString}");
            int[] eb = e.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
            int[] ab = a.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
            Assert.True(eb.SequenceEqual(ab), $"{name}: values differ");
        }
    }
}
