namespace ClipSharp.Tensors.Kernels;

// Shared argument checks, so every kernel words its complaints the same way.
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
}
