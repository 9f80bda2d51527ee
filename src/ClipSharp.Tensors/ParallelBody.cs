namespace ClipSharp.Tensors;

/// <summary>
/// One item of a loop that <see cref="Parallelism.For{TBody}(int, long, in TBody)"/> spreads over the engine's
/// threads. Implemented by a struct carrying its operands, so that running the loop allocates nothing.
/// </summary>
public interface IParallelBody
{
    void Run(int item);
}
