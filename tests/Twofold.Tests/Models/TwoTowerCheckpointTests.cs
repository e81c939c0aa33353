using Twofold.Data;
using Twofold.Models;

namespace Twofold.Tests.Models;

[Collection(TwoTowerCollection.Name)]
public class TwoTowerCheckpointTests(TwoTowerFixture fixture)
{
    [Fact]
    public void Save_then_load_gives_identical_scores_embeddings_and_report()
    {
        var path = fixture.Combine("roundtrip.ttm");
        fixture.Model.Save(path);
        var loaded = TwoTowerModel.Load(path);
        int[] users = [0, 17, 1499, 250], items = [3, 0, fixture.Data.ItemCount - 1, 42];
        Assert.Equal(fixture.Model.Score(users, items), loaded.Score(users, items));
        Assert.True(fixture.Model.UserEmbeddings.Span.SequenceEqual(loaded.UserEmbeddings.Span));
        Assert.True(fixture.Model.ItemEmbeddings.Span.SequenceEqual(loaded.ItemEmbeddings.Span));
        Assert.Equal(fixture.Model.Options, loaded.Options);
        Assert.Equal(fixture.Model.Report.Epochs, loaded.Report.Epochs);
        Assert.Equal(fixture.Model.Report.BestEpoch, loaded.Report.BestEpoch);
        Assert.Equal(fixture.Model.Parameters.Select(p => p.Name), loaded.Parameters.Select(p => p.Name));
        for (var k = 0; k < loaded.Parameters.Count; k++)
        {
            Assert.Equal(fixture.Model.Parameters[k].Shape, loaded.Parameters[k].Shape);
            Assert.Equal(fixture.Model.Parameters[k].Values, loaded.Parameters[k].Values);
        }
    }

    [Fact]
    public void Damaged_files_are_rejected_with_the_reason()
    {
        var path = fixture.Combine("damaged.ttm");
        fixture.Model.Save(path);
        var bytes = File.ReadAllBytes(path);

        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.Contains("truncated", Assert.Throws<DataFormatException>(() => TwoTowerModel.Load(path)).Message);

        var wrongMagic = (byte[])bytes.Clone();
        wrongMagic[0] = (byte)'X';
        File.WriteAllBytes(path, wrongMagic);
        Assert.Contains("not a two-tower checkpoint", Assert.Throws<DataFormatException>(() => TwoTowerModel.Load(path)).Message);

        var newer = (byte[])bytes.Clone();
        BitConverter.GetBytes(TwoTowerCheckpoint.Version + 1).CopyTo(newer, TwoTowerCheckpoint.Magic.Length);
        File.WriteAllBytes(path, newer);
        Assert.Contains("version 2 is not supported", Assert.Throws<DataFormatException>(() => TwoTowerModel.Load(path)).Message);

        File.WriteAllBytes(path, [.. bytes, 0]);
        Assert.Contains("end marker", Assert.Throws<DataFormatException>(() => TwoTowerModel.Load(path)).Message);

        Assert.Throws<FileNotFoundException>(() => TwoTowerModel.Load(fixture.Combine("missing.ttm")));
    }
}
