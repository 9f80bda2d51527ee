using System.Globalization;
using System.Runtime.CompilerServices;

namespace ClipSharp.Tensors.Kernels;

// Shared argument checks, so every kernel words its complaints the same way. Messages are only
// formatted when a check fails, so validation allocates nothing on the hot path.
internal static class KernelArgs
{
    public static void NonNegative(int value, string name)
    {
        if (value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be non-negative, got {value}.");
        }
    }

    public static void Positive(int value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive, got {value}.");
        }
    }

    // A span must hold at least the elements its dimensions address (it may be a larger buffer).
    public static void Length(int actual, long needed, string name, string shape)
    {
        if (actual < needed)
        {
            throw new ArgumentException($"{name} holds {actual} elements but {shape} needs {needed}.", name);
        }
    }

    public static void Length(
        int actual, long needed, string name,
        [InterpolatedStringHandlerArgument(nameof(actual), nameof(needed))] ref ShapeHandler shape)
    {
        if (actual < needed)
        {
            Length(actual, needed, name, shape.ToStringAndClear());
        }
    }

    // Formats the shape description only when the length check is going to fail.
    [InterpolatedStringHandler]
    public ref struct ShapeHandler
    {
        private DefaultInterpolatedStringHandler _inner;

        public ShapeHandler(int literalLength, int formattedCount, int actual, long needed, out bool shouldAppend)
        {
            shouldAppend = actual < needed;
            _inner = shouldAppend
                ? new DefaultInterpolatedStringHandler(literalLength, formattedCount, CultureInfo.InvariantCulture)
                : default;
        }

        public void AppendLiteral(string value) => _inner.AppendLiteral(value);

        public void AppendFormatted<T>(T value) => _inner.AppendFormatted(value);

        public string ToStringAndClear() => _inner.ToStringAndClear();
    }
}
