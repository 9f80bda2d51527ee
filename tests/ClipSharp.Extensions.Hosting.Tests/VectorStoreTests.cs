using System.Numerics.Tensors;
using ClipSharp.Hosting;
using ClipSharp.Search;
using ClipSharp.Testing;
using ClipSharp.VectorData;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.VectorData;

namespace ClipSharp.Extensions.Hosting.Tests;

/// <summary>
/// The index through Microsoft.Extensions.VectorData, as an app written against that abstraction uses it: every query
/// and write goes through <see cref="VectorStoreCollection{TKey, TRecord}"/> (or <see cref="VectorStore"/>); the
/// expected answers come from the embedding generators and plain cosine arithmetic.
/// </summary>
public sealed class VectorStoreTests : IDisposable
{
    private static readonly string[] s_images = ["gray_333x250.png", "palette_160x120.png", "photo_q90_640x480.jpg"];
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("clipsharp-vectordata-");

    public void Dispose() => _temp.Delete(recursive: true);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private ServiceProvider Build(string index)
    {
        var services = new ServiceCollection();
        services.AddClip(o =>
        {
            o.ModelPath = Fixtures.TinyModel;
            o.Vocab = Fixtures.TinyVocab;
            o.IndexPath = index;
        });
        return services.BuildServiceProvider();
    }

    private string Photos()
    {
        string photos = Directory.CreateDirectory(Path.Combine(_temp.FullName, "photos")).FullName;
        foreach (string name in s_images)
        {
            File.Copy(Fixtures.GoldenPath("preprocess", name), Path.Combine(photos, name));
        }

        return photos;
    }

    private static async Task<List<VectorSearchResult<ClipIndexRecord>>> Search<TInput>(
        VectorStoreCollection<string, ClipIndexRecord> collection, TInput query, int top, VectorSearchOptions<ClipIndexRecord>? options = null)
        where TInput : notnull
    {
        var results = new List<VectorSearchResult<ClipIndexRecord>>();
        await foreach (VectorSearchResult<ClipIndexRecord> r in collection.SearchAsync(query, top, options, Cancel))
        {
            results.Add(r);
        }

        return results;
    }

    private static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.CosineSimilarity(a, b);

    [Fact]
    public async Task AnAppSearchesTheIndexByTextByImageAndByVectorAndGetsTheMetadata()
    {
        string photos = Photos();
        using ServiceProvider provider = Build(Path.Combine(_temp.FullName, "index"));
        provider.GetRequiredService<ClipIndexer>().AddFolder(photos, Cancel);
        var collection = provider.GetRequiredService<VectorStoreCollection<string, ClipIndexRecord>>();
        var images = provider.GetRequiredService<IEmbeddingGenerator<DataContent, Embedding<float>>>();
        var texts = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        Assert.True(await collection.CollectionExistsAsync(Cancel));

        var contents = new Dictionary<string, DataContent>();
        var embeddings = new Dictionary<string, float[]>();
        foreach (string name in s_images)
        {
            string path = Path.Combine(photos, name);
            var content = new DataContent(await File.ReadAllBytesAsync(path, Cancel), name.EndsWith(".png", StringComparison.Ordinal) ? "image/png" : "image/jpeg") { Name = name };
            contents[path] = content;
            embeddings[path] = (await images.GenerateAsync([content], cancellationToken: Cancel))[0].Vector.ToArray();
        }

        // By image: each image finds itself first, with its file's metadata.
        foreach ((string path, DataContent content) in contents)
        {
            List<VectorSearchResult<ClipIndexRecord>> hits = await Search(collection, content, 3);
            Assert.Equal(3, hits.Count);
            Assert.Equal(path, hits[0].Record.Source);
            Assert.Equal(1.0, hits[0].Score!.Value, 4);
            Assert.Equal(new FileInfo(path).Length, hits[0].Record.Size);
            Assert.NotNull(hits[0].Record.Hash);
            Assert.Null(hits[0].Record.Embedding);
        }

        string palette = Path.Combine(photos, "palette_160x120.png");
        ClipIndexRecord? stored = await collection.GetAsync(palette, new RecordRetrievalOptions { IncludeVectors = true }, Cancel);
        Assert.NotNull(stored);
        Assert.Equal((160, 120), (stored.Width, stored.Height));

        // By vector: the stored embedding, as ReadOnlyMemory<float>, finds its entry; the ranking is the cosine ranking.
        List<VectorSearchResult<ClipIndexRecord>> byVector = await Search(collection, stored.Embedding!.Value, 3, new VectorSearchOptions<ClipIndexRecord> { IncludeVectors = true });
        string[] expectedByVector = [.. embeddings.OrderByDescending(e => Cosine(e.Value, embeddings[palette])).Select(e => e.Key)];
        Assert.Equal(expectedByVector, byVector.Select(h => h.Record.Source));
        Assert.Equal(embeddings[palette], byVector[0].Record.Embedding!.Value.ToArray(), (a, b) => Math.Abs(a - b) < 1e-5f);

        // By text: the text embedding's cosine ranking over the images, with those scores.
        const string query = "a photo of a cat";
        float[] text = (await texts.GenerateAsync([query], cancellationToken: Cancel))[0].Vector.ToArray();
        var expected = embeddings.Select(e => (Source: e.Key, Score: Cosine(text, e.Value))).OrderByDescending(e => e.Score).ToList();
        List<VectorSearchResult<ClipIndexRecord>> byText = await Search(collection, query, 2);
        Assert.Equal(expected.Take(2).Select(e => e.Source), byText.Select(h => h.Record.Source));
        Assert.Equal(expected[0].Score, byText[0].Score!.Value, 4);
        Assert.Equal(expected[1].Score, byText[1].Score!.Value, 4);

        // Options: skip, a threshold and a filter act as the abstraction says.
        List<VectorSearchResult<ClipIndexRecord>> skipped = await Search(collection, query, 1, new VectorSearchOptions<ClipIndexRecord> { Skip = 1 });
        Assert.Equal(expected[1].Source, Assert.Single(skipped).Record.Source);
        List<VectorSearchResult<ClipIndexRecord>> filtered = await Search(collection, query, 3, new VectorSearchOptions<ClipIndexRecord> { Filter = r => r.Width < 200 });
        Assert.Equal(palette, Assert.Single(filtered).Record.Source);
        double between = (1 + embeddings.Where(e => e.Key != palette).Max(e => Cosine(e.Value, embeddings[palette]))) / 2;
        List<VectorSearchResult<ClipIndexRecord>> above = await Search(collection, contents[palette], 3, new VectorSearchOptions<ClipIndexRecord> { ScoreThreshold = between });
        Assert.Equal(palette, Assert.Single(above).Record.Source);
    }

    [Fact]
    public async Task UpsertsAndDeletesGoThroughTheIndexWriterAndPersist()
    {
        string folder = Path.Combine(_temp.FullName, "captions");
        using ServiceProvider provider = Build(folder);
        var collection = provider.GetRequiredService<VectorStoreCollection<string, ClipIndexRecord>>();
        var texts = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        Assert.False(await collection.CollectionExistsAsync(Cancel));
        await collection.EnsureCollectionExistsAsync(Cancel);
        Assert.True(await collection.CollectionExistsAsync(Cancel));

        string[] captions = ["a red square", "a blue circle", "a green triangle"];
        GeneratedEmbeddings<Embedding<float>> vectors = await texts.GenerateAsync(captions, cancellationToken: Cancel);
        await collection.UpsertAsync(captions.Select((c, i) => new ClipIndexRecord { Source = c, Size = c.Length, Embedding = vectors[i].Vector }), Cancel);

        foreach (string caption in captions)
        {
            List<VectorSearchResult<ClipIndexRecord>> hits = await Search(collection, caption, 1);
            Assert.Equal(caption, Assert.Single(hits).Record.Source);
            Assert.Equal(1.0, hits[0].Score!.Value, 4);
        }

        ClipIndexRecord first = (await collection.GetAsync("a red square", cancellationToken: Cancel))!;

        // A replaced entry keeps its id and takes the new embedding (stored normalised).
        float[] doubled = [.. vectors[1].Vector.ToArray().Select(v => v * 2)];
        await collection.UpsertAsync(new ClipIndexRecord { Source = "a red square", Size = 12, Embedding = doubled }, Cancel);
        ClipIndexRecord replaced = (await collection.GetAsync("a red square", new RecordRetrievalOptions { IncludeVectors = true }, Cancel))!;
        Assert.Equal(first.Id, replaced.Id);
        Assert.Equal(vectors[1].Vector.ToArray(), replaced.Embedding!.Value.ToArray(), (a, b) => Math.Abs(a - b) < 1e-5f);

        await collection.DeleteAsync("a green triangle", Cancel);
        await collection.DeleteAsync("never added", Cancel);
        Assert.Null(await collection.GetAsync("a green triangle", cancellationToken: Cancel));
        var left = new List<string>();
        await foreach (ClipIndexRecord r in collection.GetAsync(r => r.Size > 0, 10, new() { OrderBy = o => o.Ascending(r => r.Source) }, Cancel))
        {
            left.Add(r.Source);
        }

        Assert.Equal(["a blue circle", "a red square"], left);

        // What the collection wrote is the index on disk: the library's own reader sees it.
        using SearchIndex reopened = SearchIndex.Open(folder);
        Assert.Equal(["a blue circle", "a red square"], reopened.Entries.Select(e => e.Source).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task BadInputGivesTypedErrorsNamingTheCollection()
    {
        string photos = Photos();
        string folder = Path.Combine(_temp.FullName, "index");
        using ServiceProvider provider = Build(folder);
        var collection = provider.GetRequiredService<VectorStoreCollection<string, ClipIndexRecord>>();

        // Before the index exists, reads and writes say so.
        var missing = await Assert.ThrowsAsync<VectorStoreException>(() => Search(collection, "a cat", 1));
        Assert.IsType<SearchIndexException>(missing.InnerException);
        Assert.Equal("index", missing.CollectionName);
        Assert.Equal("Search", missing.OperationName);
        float[] one = new float[32];
        one[0] = 1;
        await Assert.ThrowsAsync<VectorStoreException>(() => collection.UpsertAsync(new ClipIndexRecord { Source = "x", Embedding = one }, Cancel));

        provider.GetRequiredService<ClipIndexer>().AddFolder(photos, Cancel);
        collection = provider.GetRequiredService<VectorStoreCollection<string, ClipIndexRecord>>();
        ((ClipIndexCollection)collection).Reload();

        var wide = await Assert.ThrowsAsync<ArgumentException>(() => Search(collection, new float[33], 1));
        Assert.Contains("33 values", wide.Message, StringComparison.Ordinal);
        Assert.Contains("32-dimensional", wide.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<NotSupportedException>(() => Search(collection, 42, 1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Search(collection, "a cat", 0));
        await Assert.ThrowsAsync<ArgumentException>(() => Search(collection, "a cat", 1, new VectorSearchOptions<ClipIndexRecord> { VectorProperty = r => r.Hash }));

        // An unknown key is no record, as the abstraction specifies; a record without or with a wrong embedding is refused.
        Assert.Null(await collection.GetAsync(Path.Combine(photos, "absent.png"), cancellationToken: Cancel));
        var narrow = await Assert.ThrowsAsync<ArgumentException>(() => collection.UpsertAsync(new ClipIndexRecord { Source = "x", Embedding = new float[8] }, Cancel));
        Assert.Contains("8-value", narrow.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => collection.UpsertAsync(new ClipIndexRecord { Source = "x" }, Cancel));
        await Assert.ThrowsAsync<ArgumentException>(() => collection.UpsertAsync(new ClipIndexRecord { Source = "x", Embedding = new float[32] }, Cancel));

        // Another writer holds the index: the write fails at once with the index's reason, and nothing changes.
        using (SearchIndexWriter.OpenExisting(folder))
        {
            var locked = await Assert.ThrowsAsync<VectorStoreException>(() => collection.UpsertAsync(new ClipIndexRecord { Source = "x", Embedding = one }, Cancel));
            Assert.Contains("another process is writing", locked.Message, StringComparison.Ordinal);
            Assert.Equal("Upsert", locked.OperationName);
        }

        Assert.Null(await collection.GetAsync("x", cancellationToken: Cancel));
    }

    [Fact]
    public async Task AFolderOfIndexesIsAVectorStore()
    {
        using ServiceProvider provider = Build(Path.Combine(_temp.FullName, "unused"));
        Clip clip = provider.GetRequiredService<Clip>();
        string root = Directory.CreateDirectory(Path.Combine(_temp.FullName, "store")).FullName;
        Directory.CreateDirectory(Path.Combine(root, "not-an-index"));
        using VectorStore store = ClipIndexStore.Create(clip, root);

        using (VectorStoreCollection<string, ClipIndexRecord> photos = store.GetCollection<string, ClipIndexRecord>("photos", ClipIndexRecord.Definition(32)))
        {
            await photos.EnsureCollectionExistsAsync(Cancel);
        }

        Assert.Equal(["photos"], await store.ListCollectionNamesAsync(Cancel).ToListAsync(Cancel));
        Assert.True(await store.CollectionExistsAsync("photos", Cancel));
        Assert.Throws<NotSupportedException>(() => store.GetCollection<int, ClipIndexRecord>("photos"));
        Assert.Throws<ArgumentException>(() => store.GetCollection<string, ClipIndexRecord>("../photos"));
        Assert.Throws<ArgumentException>(() => store.GetCollection<string, ClipIndexRecord>("photos", ClipIndexRecord.Definition(512)));

        await store.EnsureCollectionDeletedAsync("photos", Cancel);
        await store.EnsureCollectionDeletedAsync("not-an-index", Cancel);
        Assert.False(await store.CollectionExistsAsync("photos", Cancel));
        Assert.True(Directory.Exists(Path.Combine(root, "not-an-index")));
        Assert.Empty(await store.ListCollectionNamesAsync(Cancel).ToListAsync(Cancel));
    }
}
