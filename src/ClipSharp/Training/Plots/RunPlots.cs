namespace ClipSharp.Training.Plots;

/// <summary>The plots of a run, redrawn from its log: loss.png, lr.png and (with validations) eval.png.</summary>
public static class RunPlots
{
    public const string LossFileName = "loss.png";
    public const string LearningRateFileName = "lr.png";
    public const string EvalFileName = "eval.png";

    /// <summary>Writes the plots into <paramref name="folder"/> and returns their paths.</summary>
    public static IReadOnlyList<string> Write(TrainingLog log, string folder)
    {
        ArgumentNullException.ThrowIfNull(log);
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        if (log.Train.Count > 0)
        {
            string loss = Path.Combine(folder, LossFileName);
            var lossPlot = new LinePlot("Training loss", "step", "contrastive loss").Add("loss", log.Train.Select(r => ((double)r.Step, (double)r.Loss)));
            int window = Math.Max(1, log.Train.Count / 50);
            if (window > 1)
            {
                lossPlot.Add($"mean of {window}", Smooth(log.Train, window));
            }

            lossPlot.Save(loss);
            written.Add(loss);
            string lr = Path.Combine(folder, LearningRateFileName);
            new LinePlot("Learning rate", "step", "learning rate").Add("lr", log.Train.Select(r => ((double)r.Step, r.LearningRate))).Save(lr);
            written.Add(lr);
        }

        if (log.Eval.Count > 0)
        {
            string eval = Path.Combine(folder, EvalFileName);
            var plot = new LinePlot("Validation", "step", "accuracy") { YRange = (0, 1) };
            foreach (string metric in log.Eval.SelectMany(e => e.Metrics.Keys).Distinct(StringComparer.Ordinal))
            {
                plot.Add(metric, log.Eval.Where(e => e.Metrics.ContainsKey(metric)).Select(e => ((double)e.Step, e.Metrics[metric])));
            }

            plot.Save(eval);
            written.Add(eval);
        }

        return written;
    }

    private static IEnumerable<(double X, double Y)> Smooth(IReadOnlyList<TrainRecord> records, int window)
    {
        double sum = 0;
        for (int i = 0; i < records.Count; i++)
        {
            sum += records[i].Loss;
            if (i >= window)
            {
                sum -= records[i - window].Loss;
            }

            if (i >= window - 1)
            {
                yield return (records[i].Step, sum / window);
            }
        }
    }
}
