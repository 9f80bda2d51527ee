using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace ClipSharp.Cli.Commands;

/// <summary>
/// The settings of <c>clip train</c>: each one from its flag, else from the --config JSON file (the same names in
/// snake_case, e.g. "weight_decay"), else its default. The resolved settings are saved in the output folder, so
/// <c>--resume</c> needs nothing but the folder.
/// </summary>
internal sealed class TrainSettings
{
    public const string FileName = "train.json";

    private readonly Dictionary<string, JsonElement> _config;
    private readonly ParseResult _parsed;
    private readonly Dictionary<string, object?> _resolved = new(StringComparer.Ordinal);

    private TrainSettings(ParseResult parsed, Dictionary<string, JsonElement> config)
    {
        _parsed = parsed;
        _config = config;
    }

    public IReadOnlyDictionary<string, object?> Resolved => _resolved;

    public static TrainSettings Create(ParseResult parsed, string? configPath, string? resumeFolder)
    {
        var config = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (resumeFolder is not null)
        {
            string saved = Path.Combine(resumeFolder, FileName);
            if (!File.Exists(saved))
            {
                throw new CliException($"{resumeFolder}: nothing to resume: no {FileName} (was the run started with clip train --out {resumeFolder}?).");
            }

            Read(saved, config);
        }

        if (configPath is not null)
        {
            if (!File.Exists(configPath))
            {
                throw new CliException($"{configPath}: the config file does not exist.");
            }

            Read(configPath, config);
        }

        return new TrainSettings(parsed, config);
    }

    public T Get<T>(Option<T?> option, string key, T fallback)
        where T : struct
    {
        T value = _parsed.GetValue(option) ?? FromConfig<T>(key) ?? fallback;
        _resolved[key] = value;
        return value;
    }

    public T? GetOptional<T>(Option<T?> option, string key)
        where T : struct
    {
        T? value = _parsed.GetValue(option) ?? FromConfig<T>(key);
        _resolved[key] = value;
        return value;
    }

    public string? GetString(Option<string?> option, string key, string? fallback = null)
    {
        string? value = _parsed.GetValue(option);
        if (value is null && _config.TryGetValue(key, out JsonElement e) && e.ValueKind != JsonValueKind.Null)
        {
            value = e.ValueKind == JsonValueKind.String ? e.GetString() : throw new CliException($"config: \"{key}\" must be a string.");
        }

        value ??= fallback;
        _resolved[key] = value;
        return value;
    }

    public bool GetFlag(Option<bool> option, string key)
    {
        bool value = _parsed.GetValue(option) || (FromConfig<bool>(key) ?? false);
        _resolved[key] = value;
        return value;
    }

    /// <summary>Writes the resolved settings (paths made absolute) for a later --resume.</summary>
    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        IO.AtomicFile.Write(Path.Combine(folder, FileName), stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            foreach (var (key, value) in _resolved.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                switch (value)
                {
                    case null:
                        break;
                    case string s:
                        json.WriteString(key, key is "data" or "model" or "vocab" or "val" or "val_zeroshot" ? Path.GetFullPath(s) : s);
                        break;
                    case bool b:
                        json.WriteBoolean(key, b);
                        break;
                    case IFormattable f:
                        json.WritePropertyName(key);
                        json.WriteRawValue(f.ToString(null, CultureInfo.InvariantCulture));
                        break;
                    default:
                        throw new InvalidOperationException($"setting {key} has an unsupported type {value.GetType().Name}.");
                }
            }

            json.WriteEndObject();
        }, overwrite: true);
    }

    private T? FromConfig<T>(string key)
        where T : struct
    {
        if (!_config.TryGetValue(key, out JsonElement e) || e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        try
        {
            return e.Deserialize<T>();
        }
        catch (JsonException)
        {
            throw new CliException($"config: \"{key}\" must be {(typeof(T) == typeof(bool) ? "true or false" : "a number")}, got {e.GetRawText()}.");
        }
    }

    private static void Read(string path, Dictionary<string, JsonElement> into)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CliException($"{path}: a training config must be a JSON object.");
            }

            foreach (JsonProperty p in doc.RootElement.EnumerateObject())
            {
                into[p.Name] = p.Value.Clone();
            }
        }
        catch (JsonException e)
        {
            throw new CliException($"{path}: not valid JSON: {e.Message}");
        }
    }
}
