using System.Text;

namespace ClipSharp.Data;

/// <summary>
/// Splits delimited text into records. With quoting (CSV) a field in double quotes may hold the delimiter,
/// line breaks and doubled quotes; without it (TSV) every line is a record and quotes are ordinary characters,
/// because TSV caption dumps routinely hold unbalanced quotes.
/// </summary>
internal static class CsvRecordReader
{
    /// <summary>Records with the 1-based line each starts on; blank lines are skipped.</summary>
    public static IEnumerable<(int Line, string[] Fields)> Read(TextReader reader, char delimiter, bool quoting, string name)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1;
        while (true)
        {
            int startLine = line;
            fields.Clear();
            field.Clear();
            bool any = false;
            bool inQuotes = false;
            bool wasQuoted = false;
            int c;
            while (true)
            {
                c = reader.Read();
                if (c < 0)
                {
                    if (inQuotes)
                    {
                        throw new InvalidDataException($"{name}: line {startLine}: a quoted field is not closed before the end of the file.");
                    }

                    break;
                }

                any = true;
                char ch = (char)c;
                if (inQuotes)
                {
                    if (ch == '"')
                    {
                        if (reader.Peek() == '"')
                        {
                            reader.Read();
                            field.Append('"');
                        }
                        else
                        {
                            inQuotes = false;
                        }
                    }
                    else
                    {
                        if (ch == '\n')
                        {
                            line++;
                        }

                        field.Append(ch);
                    }

                    continue;
                }

                if (ch == '\r' && reader.Peek() == '\n')
                {
                    continue;
                }

                if (ch == '\n')
                {
                    line++;
                    break;
                }

                if (ch == delimiter)
                {
                    fields.Add(field.ToString());
                    field.Clear();
                    wasQuoted = false;
                }
                else if (quoting && ch == '"' && field.Length == 0 && !wasQuoted)
                {
                    inQuotes = true;
                    wasQuoted = true;
                }
                else
                {
                    field.Append(ch);
                }
            }

            if (!any && c < 0)
            {
                yield break;
            }

            fields.Add(field.ToString());
            bool blank = fields.Count == 1 && fields[0].Trim().Length == 0 && !wasQuoted;
            if (!blank)
            {
                yield return (startLine, fields.ToArray());
            }

            if (c < 0)
            {
                yield break;
            }
        }
    }
}
