namespace ClipSharp.Generation;

/// <summary>One optimiser step done: its 1-based number, the total, and the mean cosine of its views with the prompt.</summary>
public readonly record struct GenerationProgress(int Step, int Steps, float Similarity);
