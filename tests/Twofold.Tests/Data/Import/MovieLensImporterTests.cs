using Twofold.Data;
using Twofold.Data.Import;
using Twofold.Domain;
using Twofold.Tests.Support;

namespace Twofold.Tests.Data.Import;

public class MovieLensImporterTests
{
    [Fact]
    public void Imports_ml_100k_with_genres_from_the_flag_columns()
    {
        using var dir = new TempDirectory();
        var ds = MovieLensImporter.Import(ImportFixtures.Path("movielens", "ml-100k"), dir.Combine("ds")).Dataset;

        Assert.Equal(3, ds.Manifest.Interactions);
        Assert.Equal(["196", "186"], ds.ReadUsers().Select(u => u.ExternalId));
        var items = ds.ReadItems();
        Assert.Equal(["242", "302"], items.Select(i => i.ExternalId));
        Assert.Equal("Comedy", items[0].Genre);
        Assert.Equal(["Crime", "Film-Noir", "Mystery", "Thriller"], items[1].Tags);
        // One creator per movie, with the movie's id.
        Assert.Equal(["242", "302"], ds.ReadCreators().Select(c => c.ExternalId));
        Assert.Equal(new CreatorId(1), items[1].Creator);

        var events = ImportFixtures.EventsByExternalId(ds);
        Assert.Equal(Feedback.Click, events[("196", "242")].Event.Feedback);
        Assert.Equal(6, events[("196", "242")].Extras["rating_half_stars"]);
        Assert.Equal(881250949000, events[("196", "242")].Event.TimeMs);
        Assert.Equal(Feedback.Click | Feedback.Like, events[("186", "302")].Event.Feedback);
    }

    [Fact]
    public void Imports_ml_1m_double_colon_files_including_titles_with_colons()
    {
        using var dir = new TempDirectory();
        var ds = MovieLensImporter.Import(ImportFixtures.Path("movielens", "ml-1m"), dir.Combine("ds")).Dataset;

        Assert.Equal(4, ds.Manifest.Interactions);
        var items = ds.ReadItems();
        Assert.Equal(["1193", "661", "1196"], items.Select(i => i.ExternalId));
        Assert.Equal("Drama", items[0].Genre);
        Assert.Equal(["Animation", "Children's", "Musical"], items[1].Tags);
        Assert.Equal(["Action", "Adventure", "Drama", "Sci-Fi", "War"], items[2].Tags);
        var events = ImportFixtures.EventsByExternalId(ds);
        Assert.Equal(10, events[("1", "1193")].Extras["rating_half_stars"]);
        Assert.Equal(Feedback.Click, events[("2", "1196")].Event.Feedback);
    }

    [Fact]
    public void Imports_ml_latest_csv_with_half_stars_and_quoted_titles()
    {
        using var dir = new TempDirectory();
        var ds = MovieLensImporter.Import(ImportFixtures.Path("movielens", "ml-latest"), dir.Combine("ds")).Dataset;

        var items = ds.ReadItems();
        Assert.Equal(["1", "3"], items.Select(i => i.ExternalId)); // movie 5 was never rated
        Assert.Equal(["Adventure", "Animation", "Children", "Comedy", "Fantasy"], items[0].Tags);
        Assert.Equal("Comedy", items[1].Genre);
        var events = ImportFixtures.EventsByExternalId(ds);
        Assert.Equal(7, events[("1", "3")].Extras["rating_half_stars"]);
        Assert.Equal(Feedback.Click, events[("1", "3")].Event.Feedback);
        Assert.Equal(1, events[("2", "1")].Extras["rating_half_stars"]);
        Assert.Equal(Feedback.Click | Feedback.Like, events[("1", "1")].Event.Feedback);
    }

    [Fact]
    public void An_out_of_range_rating_is_reported()
    {
        using var dir = new TempDirectory();
        var input = ImportFixtures.Path("movielens", "malformed");
        var error = Assert.Throws<DataFormatException>(() => MovieLensImporter.Import(input, dir.Combine("ds")));
        Assert.Equal($"{Path.Combine(input, "ratings.csv")}, line 3, column 'rating': out of range [0.5, 5] (value '6.0')", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }
}
