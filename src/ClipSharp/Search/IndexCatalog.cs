using System.Globalization;
using Microsoft.Data.Sqlite;

namespace ClipSharp.Search;

/// <summary>
/// The SQLite catalog (WAL): the source of truth for which entries exist and which sidecar row holds each one.
/// Every change is one transaction, so a reader or a crash sees a batch entirely or not at all.
/// </summary>
internal sealed class IndexCatalog : IDisposable
{
    public const string FileName = "catalog.db";

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS entries(
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            source TEXT NOT NULL UNIQUE,
            size INTEGER NOT NULL,
            mtime INTEGER NOT NULL,
            hash TEXT,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            row INTEGER NOT NULL UNIQUE);
        """;

    private readonly SqliteConnection _connection;

    private IndexCatalog(SqliteConnection connection, string path)
    {
        _connection = connection;
        Path = path;
    }

    public string Path { get; }

    public static IndexCatalog Open(string path, bool readOnly)
    {
        if (readOnly && !File.Exists(path))
        {
            throw new SearchIndexException($"{System.IO.Path.GetDirectoryName(path)}: no index here (missing {FileName}).");
        }

        if (!readOnly && !File.Exists(path))
        {
            CreateAtomically(path);
        }

        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA busy_timeout=10000;");
            if (!readOnly)
            {
                Execute(connection, "PRAGMA journal_mode=WAL;");
                Execute(connection, "PRAGMA synchronous=FULL;");
                Execute(connection, Schema);
            }
            else if (Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE name='entries'") is not (long and > 0))
            {
                throw new SearchIndexException($"{path}: not a ClipSharp index catalog.");
            }
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new SearchIndexException($"{path}: cannot open the index catalog: {e.Message}", e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        return new IndexCatalog(connection, path);
    }

    /// <summary>
    /// A new catalog is built beside its final name and renamed into place, so a reader never meets a file that a
    /// killed writer left half-initialised (no WAL header yet, no tables).
    /// </summary>
    private static void CreateAtomically(string path)
    {
        string fresh = path + ".new";
        foreach (string leftover in (string[])[fresh, fresh + "-wal", fresh + "-shm", fresh + "-journal"])
        {
            File.Delete(leftover);
        }

        var builder = new SqliteConnectionStringBuilder { DataSource = fresh, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
        using (var connection = new SqliteConnection(builder.ToString()))
        {
            connection.Open();
            Execute(connection, "PRAGMA journal_mode=WAL;");
            Execute(connection, Schema);
        }

        // A clean close checkpoints the WAL into the file, which is then whole on its own.
        File.Move(fresh, path);
    }

    public SqliteTransaction Begin() => _connection.BeginTransaction();

    public string? GetMeta(string key, SqliteTransaction? tx = null)
    {
        using var cmd = Command("SELECT value FROM meta WHERE key=$k", tx);
        cmd.Parameters.AddWithValue("$k", key);
        return cmd.ExecuteScalar() as string;
    }

    public void SetMeta(string key, string value, SqliteTransaction tx)
    {
        using var cmd = Command("INSERT INTO meta(key,value) VALUES($k,$v) ON CONFLICT(key) DO UPDATE SET value=excluded.value", tx);
        cmd.Parameters.AddWithValue("$k", key);
        cmd.Parameters.AddWithValue("$v", value);
        cmd.ExecuteNonQuery();
    }

    public long GetMetaLong(string key, SqliteTransaction? tx = null)
        => GetMeta(key, tx) is string s ? long.Parse(s, CultureInfo.InvariantCulture) : 0;

    public List<IndexEntry> ReadEntries(SqliteTransaction? tx = null)
    {
        using var cmd = Command("SELECT id, source, size, mtime, hash, width, height, row FROM entries ORDER BY row", tx);
        using var reader = cmd.ExecuteReader();
        var entries = new List<IndexEntry>();
        while (reader.Read())
        {
            entries.Add(new IndexEntry(
                reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt32(5), reader.GetInt32(6), reader.GetInt64(7)));
        }

        return entries;
    }

    /// <summary>Inserts an entry, or points an existing source at its new embedding row.</summary>
    public void Upsert(IndexEntry entry, SqliteTransaction tx)
    {
        using var cmd = Command(
            """
            INSERT INTO entries(source, size, mtime, hash, width, height, row) VALUES($s,$size,$m,$h,$w,$ht,$r)
            ON CONFLICT(source) DO UPDATE SET size=excluded.size, mtime=excluded.mtime, hash=excluded.hash,
                width=excluded.width, height=excluded.height, row=excluded.row
            """,
            tx);
        cmd.Parameters.AddWithValue("$s", entry.Source);
        cmd.Parameters.AddWithValue("$size", entry.Size);
        cmd.Parameters.AddWithValue("$m", entry.MtimeTicks);
        cmd.Parameters.AddWithValue("$h", (object?)entry.Hash ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$w", entry.Width);
        cmd.Parameters.AddWithValue("$ht", entry.Height);
        cmd.Parameters.AddWithValue("$r", entry.Row);
        cmd.ExecuteNonQuery();
    }

    /// <summary>Records a new mtime for a file whose content hash shows it unchanged.</summary>
    public void Touch(string source, long mtimeTicks, SqliteTransaction tx)
    {
        using var cmd = Command("UPDATE entries SET mtime=$m WHERE source=$s", tx);
        cmd.Parameters.AddWithValue("$s", source);
        cmd.Parameters.AddWithValue("$m", mtimeTicks);
        cmd.ExecuteNonQuery();
    }

    public bool Delete(string source, SqliteTransaction tx)
    {
        using var cmd = Command("DELETE FROM entries WHERE source=$s", tx);
        cmd.Parameters.AddWithValue("$s", source);
        return cmd.ExecuteNonQuery() > 0;
    }

    public void Dispose() => _connection.Dispose();

    private SqliteCommand Command(string sql, SqliteTransaction? tx)
    {
        SqliteCommand cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        return cmd;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }
}
