namespace ClipSharp.Testing.Fuzzing;

/// <summary>The ways <see cref="Mutator"/> damages a valid input.</summary>
internal enum MutationKind
{
    BitFlips,
    Truncation,
    Splice,
    LengthField,
    DuplicatedChunk,
    TokenInsertion,
    RandomBytes,
}
