using Parquet;
using Parquet.Schema;
using Twofold.Domain;

namespace Twofold.Data;

/// <summary>
/// The user, creator and item tables of a dataset, as Parquet files. Rows are stored in id order, so row r is the
/// entity with dense id r.
/// </summary>
internal static class EntityTables
{
    public const string UsersFile = "users.parquet";
    public const string CreatorsFile = "creators.parquet";
    public const string ItemsFile = "items.parquet";

    // Text and byte columns are declared required: nothing in these tables is ever null (absent values are empty),
    // and required columns carry no definition levels to size and check on read.
    private static readonly DataField<string> ExternalId = new("external_id", false);
    private static readonly DataField<int> CreatorField = new("creator");
    private static readonly DataField<long> UploadTime = new("upload_time_ms");
    private static readonly DataField<int> Duration = new("duration_ms");
    private static readonly DataField<string> Genre = new("genre", false);
    // Tags are joined with '|' (a character no source uses inside a tag) to keep the schema flat.
    private static readonly DataField<string> Tags = new("tags", false);
    // Content embeddings as little-endian float32 bytes; empty when the item has none.
    private static readonly DataField<byte[]> Embedding = new("content_embedding", false);
    private const char TagSeparator = '|';

    public static void WriteUsers(string path, IReadOnlyList<User> users)
    {
        CheckDense(users.Select(u => u.Id.Value), "user");
        var schema = new ParquetSchema(ExternalId);
        WriteTable(path, schema, async group => await group.WriteAsync(ExternalId, users.Select(u => u.ExternalId).ToArray()));
    }

    public static void WriteCreators(string path, IReadOnlyList<Creator> creators)
    {
        CheckDense(creators.Select(c => c.Id.Value), "creator");
        var schema = new ParquetSchema(ExternalId);
        WriteTable(path, schema, async group => await group.WriteAsync(ExternalId, creators.Select(c => c.ExternalId).ToArray()));
    }

    public static void WriteItems(string path, IReadOnlyList<Item> items)
    {
        CheckDense(items.Select(i => i.Id.Value), "item");
        foreach (var item in items)
            if (item.Tags.Any(t => t.Contains(TagSeparator)))
                throw new ArgumentException($"Item {item.ExternalId}: tags may not contain '{TagSeparator}'.");
        var schema = new ParquetSchema(ExternalId, CreatorField, UploadTime, Duration, Genre, Tags, Embedding);
        WriteTable(path, schema, async group =>
        {
            await group.WriteAsync(ExternalId, items.Select(i => i.ExternalId).ToArray());
            await group.WriteAsync(CreatorField, (ReadOnlyMemory<int>)items.Select(i => i.Creator.Value).ToArray());
            await group.WriteAsync(UploadTime, (ReadOnlyMemory<long>)items.Select(i => i.UploadTimeMs).ToArray());
            await group.WriteAsync(Duration, (ReadOnlyMemory<int>)items.Select(i => i.DurationMs).ToArray());
            await group.WriteAsync(Genre, items.Select(i => i.Genre).ToArray());
            await group.WriteAsync(Tags, items.Select(i => string.Join(TagSeparator, i.Tags)).ToArray());
            await group.WriteAsync(Embedding, items.Select(i => EmbeddingBytes(i.ContentEmbedding)).ToArray());
        });
    }

    public static List<User> ReadUsers(string path) =>
        ReadTable(path, async (group, schema) => (await ReadText(group, Field(schema, ExternalId))).Select((id, r) => new User(new UserId(r), id)).ToList());

    public static List<Creator> ReadCreators(string path) =>
        ReadTable(path, async (group, schema) => (await ReadText(group, Field(schema, ExternalId))).Select((id, r) => new Creator(new CreatorId(r), id)).ToList());

    public static List<Item> ReadItems(string path) =>
        ReadTable(path, async (group, schema) =>
        {
            var rows = (int)group.RowCount;
            var ids = await ReadText(group, Field(schema, ExternalId));
            var creators = new int[rows];
            await group.ReadAsync(Field(schema, CreatorField), creators.AsMemory());
            var uploads = new long[rows];
            await group.ReadAsync(Field(schema, UploadTime), uploads.AsMemory());
            var durations = new int[rows];
            await group.ReadAsync(Field(schema, Duration), durations.AsMemory());
            var genres = await ReadText(group, Field(schema, Genre));
            var tags = await ReadText(group, Field(schema, Tags));
            var embeddings = new ReadOnlyMemory<byte>[rows];
            await group.ReadAsync(Field(schema, Embedding), embeddings.AsMemory());
            var items = new List<Item>(rows);
            for (var r = 0; r < rows; r++)
                items.Add(new Item(new ItemId(r), ids[r], new CreatorId(creators[r]), uploads[r], durations[r], genres[r],
                    tags[r].Length == 0 ? [] : tags[r].Split(TagSeparator), EmbeddingFloats(embeddings[r].Span)));
            return items;
        });

    // Reads use the file's own field objects (Parquet.Net reads only fields attached to the file's schema); required
    // text and byte columns come back as character and byte memory.
    private static DataField Field(ParquetSchema schema, DataField expected) =>
        schema.DataFields.FirstOrDefault(f => f.Name == expected.Name)
        ?? throw new InvalidDataException($"the column '{expected.Name}' is missing");

    private static async Task<string[]> ReadText(ParquetRowGroupReader group, DataField field)
    {
        var values = new ReadOnlyMemory<char>[(int)group.RowCount];
        await group.ReadAsync(field, values.AsMemory());
        return values.Select(v => v.ToString()).ToArray();
    }

    private static byte[] EmbeddingBytes(float[]? embedding) =>
        embedding is null ? [] : System.Runtime.InteropServices.MemoryMarshal.AsBytes(embedding.AsSpan()).ToArray();

    private static float[]? EmbeddingFloats(ReadOnlySpan<byte> bytes) =>
        bytes.Length == 0 ? null : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();

    private static void CheckDense(IEnumerable<int> ids, string what)
    {
        var expected = 0;
        foreach (var id in ids)
            if (id != expected++) throw new ArgumentException($"The {what} table must list ids 0, 1, 2, ... in order; found {id} at row {expected - 1}.");
    }

    private static void WriteTable(string path, ParquetSchema schema, Func<ParquetRowGroupWriter, Task> writeColumns) =>
        AtomicFile.Write(path, stream => Sync.Run(async () =>
        {
            await using var writer = await ParquetWriter.CreateAsync(schema, stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy });
            using var group = writer.CreateRowGroup();
            await writeColumns(group);
        }));

    private static List<T> ReadTable<T>(string path, Func<ParquetRowGroupReader, ParquetSchema, Task<List<T>>> readGroup)
    {
        if (!File.Exists(path)) throw new DataFormatException(path, "the table file is missing");
        try
        {
            return Sync.Run(async () =>
            {
                await using var stream = File.OpenRead(path);
                await using var reader = await ParquetReader.CreateAsync(stream);
                var all = new List<T>();
                for (var g = 0; g < reader.RowGroupCount; g++)
                {
                    using var group = reader.OpenRowGroupReader(g);
                    all.AddRange(await readGroup(group, reader.Schema));
                }
                return all;
            });
        }
        catch (Exception e) when (e is IOException or InvalidDataException or InvalidOperationException or ArgumentException or NotSupportedException)
        {
            throw new DataFormatException(path, $"the table cannot be read: {e.Message}", inner: e);
        }
    }
}
