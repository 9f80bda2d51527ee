using System.Globalization;

namespace ClipSharp.Data;

/// <summary>
/// A CSV or TSV table of (image path, caption) rows. Relative image paths are resolved against the table's folder,
/// so a dataset folder can be moved as a whole. A row with an empty caption is skipped and reported.
/// </summary>
public static class CsvCaptionSource
{
    private static readonly string[] s_imageNames = ["image", "filepath", "path", "file", "filename", "image_path", "url"];
    private static readonly string[] s_captionNames = ["caption", "text", "title", "prompt"];

    public static CaptionDataset Load(string path, CsvSourceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= CsvSourceOptions.Default;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: caption table not found.", path);
        }

        bool tsv = Path.GetExtension(path).Equals(".tsv", StringComparison.OrdinalIgnoreCase);
        char delimiter = options.Delimiter ?? (tsv ? '\t' : ',');
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string name = Path.GetFileName(path);
        var samples = new List<CaptionedSample>();
        var skipped = new List<BadSample>();
        using var reader = new StreamReader(path);
        using IEnumerator<(int Line, string[] Fields)> records =
            CsvRecordReader.Read(reader, delimiter, quoting: delimiter != '\t', path).GetEnumerator();

        string[]? header = null;
        if (options.HasHeader)
        {
            if (!records.MoveNext())
            {
                throw new InvalidDataException($"{path}: the table is empty; expected a header row.");
            }

            header = records.Current.Fields;
        }

        int imageColumn = ResolveColumn(path, header, options.ImageColumn, s_imageNames, "image");
        int captionColumn = ResolveColumn(path, header, options.CaptionColumn, s_captionNames, "caption");
        while (records.MoveNext())
        {
            (int line, string[] fields) = records.Current;
            string key = $"{name}:{line}";
            if (fields.Length <= Math.Max(imageColumn, captionColumn))
            {
                throw new InvalidDataException(
                    $"{path}: line {line}: has {fields.Length} fields, but the image and caption columns are {imageColumn} and {captionColumn} (0-based).");
            }

            string image = fields[imageColumn].Trim();
            string caption = fields[captionColumn].Trim();
            if (image.Length == 0)
            {
                skipped.Add(new BadSample(key, path, "no image path"));
                continue;
            }

            string imagePath = Path.IsPathRooted(image) ? image : Path.Combine(folder, image);
            if (caption.Length == 0)
            {
                skipped.Add(new BadSample(key, imagePath, "empty caption"));
                continue;
            }

            samples.Add(new CaptionedSample(key, ImageSource.FromFile(imagePath), caption));
        }

        return new CaptionDataset(path, samples, skipped);
    }

    private static int ResolveColumn(string path, string[]? header, string? choice, string[] usualNames, string role)
    {
        if (choice is not null)
        {
            if (int.TryParse(choice, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            {
                return index;
            }

            if (header is null)
            {
                throw new ArgumentException($"{path}: the {role} column '{choice}' is a name, but the table has no header; give a 0-based index.");
            }

            int found = Array.FindIndex(header, h => h.Trim().Equals(choice, StringComparison.OrdinalIgnoreCase));
            return found >= 0
                ? found
                : throw new InvalidDataException($"{path}: no {role} column '{choice}' in the header ({string.Join(", ", header)}).");
        }

        if (header is null)
        {
            throw new ArgumentException($"{path}: without a header, choose the {role} column by its 0-based index.");
        }

        foreach (string usual in usualNames)
        {
            int found = Array.FindIndex(header, h => h.Trim().Equals(usual, StringComparison.OrdinalIgnoreCase));
            if (found >= 0)
            {
                return found;
            }
        }

        throw new InvalidDataException(
            $"{path}: the header ({string.Join(", ", header)}) has no {role} column; name one of {string.Join(", ", usualNames)} or choose it explicitly.");
    }
}
