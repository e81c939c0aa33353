using Parquet;
using Parquet.Schema;
using Twofold.Data;

namespace Twofold.Simulation;

/// <summary>
/// The per-arm daily metrics as a Parquet table (<c>days.parquet</c>), one row per arm and day, for analysis in any
/// dataframe tool. Exposure shares by source are columns <c>exposures_&lt;source&gt;</c>.
/// </summary>
public static class MetricsTable
{
    public static void Write(string path, SimulationResult result)
    {
        var rows = result.Days.SelectMany((days, a) => days.Select(d => (Arm: result.Arms[a], Day: d))).ToList();
        var sources = rows.SelectMany(r => r.Day.ExposuresBySource.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var arm = new DataField<string>("arm", false);
        var longs = new (string Name, Func<Evaluation.ArmDayMetrics, long> Value)[]
        {
            ("day", d => d.Day), ("users", d => d.Users), ("visitors", d => d.Visitors), ("impressions", d => d.Impressions),
            ("likes", d => d.Likes), ("comments", d => d.Comments), ("follows", d => d.Follows), ("new_items", d => d.NewItems),
            ("new_items_exposed", d => d.NewItemsExposed), ("active_creators", d => d.ActiveCreators), ("dispatched", d => d.Dispatched),
            ("dispatched_visited", d => d.DispatchedVisited),
        };
        var longFields = longs.Select(c => new DataField<long>(c.Name)).ToArray();
        var watch = new DataField<double>("watch_seconds");
        var sourceFields = sources.Select(s => new DataField<long>("exposures_" + s.Replace('-', '_'))).ToArray();
        var schema = new ParquetSchema(new Field[] { arm }.Concat(longFields).Append(watch).Concat(sourceFields).ToArray());
        AtomicFile.Write(path, stream => Sync.Run(async () =>
        {
            await using var writer = await ParquetWriter.CreateAsync(schema, stream);
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(arm, rows.Select(r => r.Arm).ToArray());
            for (var c = 0; c < longs.Length; c++)
                await group.WriteAsync(longFields[c], (ReadOnlyMemory<long>)rows.Select(r => longs[c].Value(r.Day)).ToArray());
            await group.WriteAsync(watch, (ReadOnlyMemory<double>)rows.Select(r => r.Day.WatchSeconds).ToArray());
            for (var s = 0; s < sources.Count; s++)
                await group.WriteAsync(sourceFields[s], (ReadOnlyMemory<long>)rows.Select(r => r.Day.ExposuresBySource.GetValueOrDefault(sources[s])).ToArray());
        }));
    }
}
