using System.Text;
using System.Text.Json;
using ClipSharp.Distributed;
using ClipSharp.IO;

namespace ClipSharp.Training;

/// <summary>
/// The run's JSONL log: one object a line, <c>{"type":"train","step":N,...}</c> after optimizer step N (1-based) and
/// <c>{"type":"eval","step":N,"metrics":{...}}</c> for a validation after N steps. Each line is flushed as written, so
/// a killed run keeps every line it finished. The records are kept in memory for the plots.
/// </summary>
public sealed class TrainingLog : IDisposable
{
    private readonly StreamWriter _writer;
    private readonly List<TrainRecord> _train = [];
    private readonly List<EvalRecord> _eval = [];

    private TrainingLog(string path, IEnumerable<string> keptLines)
    {
        Path = path;
        foreach (string line in keptLines)
        {
            Remember(line);
        }

        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
    }

    public string Path { get; }

    public IReadOnlyList<TrainRecord> Train => _train;

    public IReadOnlyList<EvalRecord> Eval => _eval;

    /// <summary>A new log at <paramref name="path"/>, replacing any old one.</summary>
    public static TrainingLog Create(string path)
    {
        AtomicFile.WriteAllBytes(path, ReadOnlyMemory<byte>.Empty, overwrite: true);
        return new TrainingLog(path, []);
    }

    /// <summary>
    /// The log of a run resumed after <paramref name="steps"/> steps: lines of later steps (written after the
    /// checkpoint by the interrupted attempt) are dropped, so the log reads as if the run had never stopped.
    /// </summary>
    public static TrainingLog Resume(string path, long steps)
    {
        string[] lines = File.Exists(path) ? File.ReadAllLines(path) : [];
        var kept = new List<string>();
        foreach (string line in lines)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using JsonDocument doc = JsonDocument.Parse(line);
                if (doc.RootElement.GetProperty("step").GetInt64() <= steps)
                {
                    kept.Add(line);
                }
            }
            catch (JsonException)
            {
                // The last line of a killed run can be cut short; it belongs to a step after the checkpoint.
            }
        }

        AtomicFile.Write(path, s =>
        {
            byte[] bytes = Encoding.UTF8.GetBytes(string.Concat(kept.Select(l => l + "\n")));
            s.Write(bytes);
        }, overwrite: true);
        return new TrainingLog(path, kept);
    }

    public void WriteTrain(TrainRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Append(Line(w =>
        {
            w.WriteString("type", "train");
            w.WriteNumber("step", record.Step);
            w.WriteNumber("epoch", record.Epoch);
            w.WriteNumber("loss", record.Loss);
            w.WriteNumber("lr", record.LearningRate);
            w.WriteNumber("grad_norm", record.GradientNorm);
            w.WriteNumber("logit_scale", record.LogitScale);
            w.WriteNumber("samples_per_s", Math.Round(record.SamplesPerSecond, 2));
            if (record.StepSeconds is double seconds)
            {
                w.WriteNumber("step_ms", Math.Round(seconds * 1e3, 3));
            }

            if (record.Communication is CommunicationTotals c)
            {
                w.WriteNumber("comm_ms", Math.Round(c.Seconds * 1e3, 3));
                w.WriteNumber("comm_bytes", c.Bytes);
                w.WriteNumber("comm_calls", c.Calls);
            }
        }));
        _train.Add(record);
    }

    public void WriteEval(EvalRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Append(Line(w =>
        {
            w.WriteString("type", "eval");
            w.WriteNumber("step", record.Step);
            w.WriteStartObject("metrics");
            foreach (var (name, value) in record.Metrics)
            {
                w.WriteNumber(name, value);
            }

            w.WriteEndObject();
        }));
        _eval.Add(record);
    }

    public void Dispose() => _writer.Dispose();

    private void Append(string line)
    {
        _writer.Write(line);
        _writer.Write('\n');
        _writer.Flush();
    }

    private static string Line(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private void Remember(string line)
    {
        using JsonDocument doc = JsonDocument.Parse(line);
        JsonElement r = doc.RootElement;
        long step = r.GetProperty("step").GetInt64();
        if (r.GetProperty("type").GetString() == "eval")
        {
            var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (JsonProperty p in r.GetProperty("metrics").EnumerateObject())
            {
                metrics[p.Name] = p.Value.GetDouble();
            }

            _eval.Add(new EvalRecord(step, metrics));
        }
        else
        {
            _train.Add(new TrainRecord(
                step, r.GetProperty("epoch").GetInt32(), r.GetProperty("loss").GetSingle(), r.GetProperty("lr").GetDouble(),
                r.GetProperty("grad_norm").GetDouble(), r.GetProperty("logit_scale").GetSingle(), r.GetProperty("samples_per_s").GetDouble())
            {
                StepSeconds = r.TryGetProperty("step_ms", out JsonElement ms) ? ms.GetDouble() / 1e3 : null,
                Communication = r.TryGetProperty("comm_ms", out JsonElement comm)
                    ? new CommunicationTotals(r.GetProperty("comm_calls").GetInt64(), comm.GetDouble() / 1e3, r.GetProperty("comm_bytes").GetInt64())
                    : null,
            });
        }
    }
}

/// <summary>One optimizer step in the log; <see cref="Step"/> counts steps taken, 1-based.</summary>
public sealed record TrainRecord(long Step, int Epoch, float Loss, double LearningRate, double GradientNorm, float LogitScale, double SamplesPerSecond)
{
    /// <summary>Wall-clock seconds of this step (forward, loss, backward, update, and their collectives), recorded by runs of more than one rank; else null.</summary>
    public double? StepSeconds { get; init; }

    /// <summary>What this rank's collectives took during the step (part of <see cref="StepSeconds"/>); null for one process.</summary>
    public CommunicationTotals? Communication { get; init; }
}

/// <summary>One validation in the log, after <see cref="Step"/> steps.</summary>
public sealed record EvalRecord(long Step, IReadOnlyDictionary<string, double> Metrics);
