namespace ClipSharp.Evaluation;

/// <summary>Recall at 1, 5 and 10 in both directions over N (image, text) pairs; chance at K is K / N.</summary>
public sealed record RetrievalReport(int Count, double ImageToTextR1, double ImageToTextR5, double ImageToTextR10, double TextToImageR1, double TextToImageR5, double TextToImageR10);
