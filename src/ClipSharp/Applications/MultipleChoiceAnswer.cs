namespace ClipSharp.Applications;

/// <summary>One answer's standing: the prompt it was scored with, its cosine to the image and its probability.</summary>
public readonly record struct ChoiceScore(string Answer, string Prompt, float Probability, float Cosine);
