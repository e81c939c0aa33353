using Twofold.Server.State;

namespace Twofold.Server.Tests;

/// <summary>The service's own SQLite state: uploads recorded, then marked dispatched batch by batch.</summary>
public sealed class ServiceDatabaseTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("twofold-service-db-").FullName;

    private static UploadRecord Upload(int item, string id) =>
        new(item, id, Creator: 3, UploadTimeMs: 1_000, DurationMs: 15_000, Genre: "music", Tags: ["a", "b"], ContentEmbedding: [0.5f, -1f],
            Day: 20_000, Dispatched: false, Matched: 0, Sources: null);

    [Fact]
    public void A_batch_is_marked_dispatched_together_and_the_others_stay_pending_across_a_reopen()
    {
        var path = Path.Combine(_directory, "service.db");
        using (var database = new ServiceDatabase(path))
        {
            database.InsertUploads([Upload(100, "x"), Upload(101, "y"), Upload(102, "z")]);
            database.MarkDispatched([
                Upload(100, "x") with { Day = 20_001, Dispatched = true, Matched = 200, Sources = """{"two-tower":120,"i2i2u":80}""" },
                Upload(102, "z") with { Day = 20_001, Dispatched = true, Matched = 0, Sources = "{}" },
            ]);
        }
        using var reopened = new ServiceDatabase(path);
        var uploads = reopened.ReadUploads().ToDictionary(u => u.ExternalId);
        Assert.Equal((true, 20_001, 200, """{"two-tower":120,"i2i2u":80}"""), (uploads["x"].Dispatched, uploads["x"].Day, uploads["x"].Matched, uploads["x"].Sources));
        Assert.Equal((true, 20_001, 0, "{}"), (uploads["z"].Dispatched, uploads["z"].Day, uploads["z"].Matched, uploads["z"].Sources));
        Assert.Equal((false, 20_000, 0, (string?)null), (uploads["y"].Dispatched, uploads["y"].Day, uploads["y"].Matched, uploads["y"].Sources));
        Assert.Equal(["a", "b"], uploads["x"].Tags);
        Assert.Equal([0.5f, -1f], uploads["x"].ContentEmbedding!);
    }

    [Fact]
    public void The_writes_after_a_mark_wait_for_the_device_again()
    {
        using var database = new ServiceDatabase(Path.Combine(_directory, "service.db"));
        database.InsertUploads([Upload(100, "x")]);
        database.MarkDispatched([Upload(100, "x") with { Dispatched = true }]);
        // The pool hands the mark's connection out again: it must wait for the device (FULL = 2) as configured.
        Assert.Equal(2, database.SynchronousSetting);
        Assert.True(database.FindUpload("x")!.Dispatched);
    }

    // Each database closes its pooled connections when disposed, so the directory can go.
    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
