namespace ClipSharp.Training.Plots;

/// <summary>One line of a <see cref="LinePlot"/>: (x, y) points and a legend name.</summary>
public sealed record PlotSeries(string Name, IReadOnlyList<(double X, double Y)> Points);
