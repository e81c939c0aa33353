using Twofold.Data;
using Twofold.Data.Import;
using Twofold.Tests.Support;

namespace Twofold.Tests.Data.Import;

public class CsvFileTests
{
    private static CsvFile Open(TempDirectory dir, string text)
    {
        var path = dir.Combine("t.csv");
        File.WriteAllText(path, text);
        return CsvFile.OpenWithHeader(path);
    }

    [Fact]
    public void Fields_parse_from_spans_with_line_numbers()
    {
        using var dir = new TempDirectory();
        using var file = Open(dir, "id,n,flag,x\nabc,12.0,1,-0.5\n\"q,1\",7,0,3\n");
        Assert.True(file.MoveNext());
        var row = file.Current;
        Assert.Equal(2, row.Line);
        Assert.Equal("abc", row.Id(0).ToString());
        Assert.Equal(12, row.Int(1));
        Assert.True(row.Flag(2));
        Assert.Equal(-0.5, row.Double(3));
        Assert.True(file.MoveNext());
        Assert.Equal("q,1", file.Current.Text(0));
        Assert.Equal(3, file.Current.Line);
        Assert.False(file.MoveNext());
    }

    [Fact]
    public void Failures_name_file_line_column_and_value()
    {
        using var dir = new TempDirectory();
        using var file = Open(dir, "id,n\n,5\nx,-1\nx,1.5\n");
        file.MoveNext();
        var empty = Assert.Throws<DataFormatException>(() => { var row = file.Current; row.Id(0); });
        Assert.Equal($"{dir.Combine("t.csv")}, line 2, column 'id': an identifier is required (value '')", empty.Message);
        file.MoveNext();
        var negative = Assert.Throws<DataFormatException>(() => { var row = file.Current; row.Int(1); });
        Assert.Equal("out of range [0, 2147483647]", negative.Problem);
        Assert.Equal("-1", negative.Value);
        file.MoveNext();
        var fraction = Assert.Throws<DataFormatException>(() => { var row = file.Current; row.Long(1); });
        Assert.Equal("not an integer", fraction.Problem);
        Assert.Equal(4, fraction.Line);
    }

    [Fact]
    public void Id_maps_are_dense_in_order_of_first_appearance()
    {
        var map = new IdMap();
        Assert.Equal(0, map.GetOrAdd("b"));
        Assert.Equal(1, map.GetOrAdd("a".AsSpan()));
        Assert.Equal(0, map.GetOrAdd("b"));
        Assert.True(map.TryGet("a", out var a));
        Assert.Equal(1, a);
        Assert.False(map.TryGet("c", out _));
        Assert.Equal("b", map.ExternalId(0));
        Assert.Equal(2, map.Count);
    }
}
