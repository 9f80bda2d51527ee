using System.Numerics.Tensors;
using ClipSharp.Search;
using ClipSharp.Testing;

namespace ClipSharp.Server.Tests;

/// <summary>
/// A server over an index of generated images, with the tiny fixture model (random weights). Expectations are
/// planted, never assumed from the model: an uploaded copy of an indexed file must find that file, and the text
/// query is chosen in the test as the candidate whose nearest image (by the library's own embeddings) wins by the
/// widest margin. Two entries are spoiled after indexing: one file is deleted, one is replaced by a link.
/// </summary>
public sealed class PlantedIndex : IAsyncLifetime
{
    public const int ImageCount = 12;

    private static readonly string[] s_candidateQueries =
    [
        "a photo of a dog", "a red car", "a bowl of fruit", "a mountain at dusk", "an old bicycle", "a cup of coffee",
        "a cat asleep on a sofa", "a green field", "a city at night", "a boat on a lake", "a plate of pasta", "a snowy street",
        "two birds", "a yellow flower", "a wooden door", "a crowded beach", "a blue sky", "a pile of books", "an orange", "a child",
    ];

    private ClipServer? _server;

    public Clip Clip { get; } = Clip.Load(Fixtures.TinyModel, Fixtures.TinyVocab);

    public string Folder { get; } = Directory.CreateTempSubdirectory("clipsharp-planted-").FullName;

    public string IndexPath => Path.Combine(Folder, "index");

    public SearchIndex Index { get; private set; } = null!;

    /// <summary>The indexed images that are still intact, by file name.</summary>
    public Dictionary<string, long> Ids { get; } = new(StringComparer.Ordinal);

    /// <summary>Indexed, then deleted from disk.</summary>
    public long VanishedId { get; private set; }

    /// <summary>Indexed, then replaced by a symbolic link to a file outside the folder.</summary>
    public long LinkedId { get; private set; }

    public HttpClient Http { get; private set; } = new();

    public Uri BaseAddress { get; private set; } = null!;

    public static ClipServerOptions Options { get; } = new()
    {
        Port = 0,
        MaxBatchItems = 8,
        MaxUploadBytes = 2 * 1024 * 1024,
        MaxK = 100,
        MaxThumbnailSize = 512,
        ThumbnailCacheBytes = 256 * 1024,
    };

    public string ImagePath(string name) => Path.Combine(Folder, "photos", name);

    public async ValueTask InitializeAsync()
    {
        string photos = Path.Combine(Folder, "photos");
        Directory.CreateDirectory(photos);
        for (int i = 0; i < ImageCount; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(photos, $"photo_{i:D2}.png"), PlantedImages.Png(1000 + i));
        }

        await File.WriteAllBytesAsync(Path.Combine(photos, "vanished.png"), PlantedImages.Png(2000));
        await File.WriteAllBytesAsync(Path.Combine(photos, "linked.png"), PlantedImages.Png(2001));
        new ImageIndexer(Clip).Add(IndexPath, photos);

        File.Delete(Path.Combine(photos, "vanished.png"));
        string outside = Path.Combine(Folder, "secret.txt");
        await File.WriteAllTextAsync(outside, "not an indexed file");
        File.Delete(Path.Combine(photos, "linked.png"));
        File.CreateSymbolicLink(Path.Combine(photos, "linked.png"), outside);

        Index = SearchIndex.Open(IndexPath);
        foreach (IndexEntry e in Index.Entries)
        {
            switch (Path.GetFileName(e.Source))
            {
                case "vanished.png":
                    VanishedId = e.Id;
                    break;
                case "linked.png":
                    LinkedId = e.Id;
                    break;
                default:
                    Ids[Path.GetFileName(e.Source)] = e.Id;
                    break;
            }
        }

        _server = ClipServer.Create(Clip, Index, Options);
        await _server.StartAsync();
        BaseAddress = new Uri(_server.Urls[0]);
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>
    /// The candidate text whose nearest intact image beats the runner-up by the widest cosine margin, that image's
    /// id, and the margin. Computed here from the library's text embeddings and the stored image embeddings.
    /// </summary>
    public (string Query, long ExpectedId, float Margin) PlantedTextQuery()
    {
        float[] texts = Clip.EncodeTexts(s_candidateQueries).Span.ToArray();
        int d = Clip.EmbedDim;
        (string, long, float) best = (string.Empty, -1, float.NegativeInfinity);
        for (int t = 0; t < s_candidateQueries.Length; t++)
        {
            var scored = new (long Id, float Score)[Index.Count];
            for (int i = 0; i < scored.Length; i++)
            {
                long id = Index.Entries[i].Id;
                scored[i] = (id, TensorPrimitives.CosineSimilarity(texts.AsSpan(t * d, d), Index.Embedding(id)));
            }

            Array.Sort(scored, (a, b) => b.Score.CompareTo(a.Score));
            float margin = scored[0].Score - scored[1].Score;
            if (Ids.ContainsValue(scored[0].Id) && margin > best.Item3)
            {
                best = (s_candidateQueries[t], scored[0].Id, margin);
            }
        }

        return best;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Index?.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
