using Twofold.Domain;

namespace Twofold.Data.Import;

/// <summary>
/// Imports MovieLens ratings (GroupLens): <c>ratings.csv</c> (ml-latest, 20M, 25M, 32M), <c>ratings.dat</c>
/// (1M, 10M) or <c>u.data</c> (100K), with genres from <c>movies.csv</c>, <c>movies.dat</c> or <c>u.item</c>.
/// A rating is an impression that was clicked; a rating of 4 or more is a like; the rating itself is kept in
/// half stars. MovieLens has no creators: each movie is its own creator. Details: docs/data.md.
/// </summary>
public static class MovieLensImporter
{
    public const string Source = "movielens";

    /// <summary>Ratings from which a rating counts as a like.</summary>
    public const double LikeThreshold = 4.0;

    /// <summary>The rating × 2 (1 to 10 half stars; the 100K and 1M sets use whole stars, 2 to 10).</summary>
    public static readonly IReadOnlyList<string> ExtraColumns = ["rating_half_stars"];

    /// <summary>The genres of <c>u.item</c>'s 19 flag columns, in order (from the 100K set's u.genre).</summary>
    public static readonly IReadOnlyList<string> Genres100K =
    [
        "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
        "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
    ];

    private const string NoGenres = "(no genres listed)";

    public static ImportResult Import(string input, string output, ImportOptions? options = null)
    {
        options ??= new ImportOptions();
        var directory = File.Exists(input) ? Path.GetDirectoryName(Path.GetFullPath(input))! : InputFiles.RequireDirectory(input);
        using var run = new ImportRun(Source, output, options, ExtraColumns);
        var ratings = File.Exists(input) ? Path.GetFullPath(input)
            : InputFiles.FindOne(directory, "ratings.csv") ?? InputFiles.FindOne(directory, "ratings.dat") ?? InputFiles.FindOne(directory, "u.data")
              ?? throw new FileNotFoundException($"{directory} holds no MovieLens ratings (ratings.csv, ratings.dat or u.data).");
        ReadRatings(run, ratings);

        var movies = InputFiles.FindOne(directory, "movies.csv") ?? InputFiles.FindOne(directory, "movies.dat") ?? InputFiles.FindOne(directory, "u.item");
        if (movies is not null) ReadMovies(run, movies);

        run.Notes["mapping"] = $"click=rated like=rating>={LikeThreshold} rating_half_stars=rating*2 time=timestamp; " +
                               "no watch time, duration, comment, follow, share, profile_visit or effective_view";
        run.Notes["creators"] = "MovieLens has no creators: each movie is its own creator (same external id)";
        run.Note("items_without_genres", run.Items.CountUndescribed());
        return run.Commit();
    }

    private static void ReadRatings(ImportRun run, string path)
    {
        var name = Path.GetFileName(path);
        // ratings.dat separates by "::": read with ':' and check that every other column is empty.
        var dat = name.EndsWith(".dat", StringComparison.OrdinalIgnoreCase);
        using var file = name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? CsvFile.OpenWithHeader(path)
            : dat ? CsvFile.OpenWithoutHeader(path, ':', ["UserID", ":", "MovieID", ":", "Rating", ":", "Timestamp"])
            : CsvFile.OpenWithoutHeader(path, '\t', ["user id", "item id", "rating", "timestamp"]);
        int user, item, rating, timestamp;
        if (file.HasHeader)
        {
            (user, item, rating, timestamp) = (file.Require("userId"), file.Require("movieId"), file.Require("rating"), file.Require("timestamp"));
        }
        else
        {
            (user, item, rating, timestamp) = dat ? (0, 2, 4, 6) : (0, 1, 2, 3);
        }
        var columns = file.Columns.Count;
        var extras = new int[1];

        run.ReadRows(file, (in CsvRow row) =>
        {
            row.RequireColumnCount(columns);
            if (dat)
                for (var c = 1; c < columns; c += 2)
                    if (!row.IsEmpty(c)) throw row.Fail(c, "fields must be separated by '::'");
            var userId = row.Id(user);
            var itemId = row.Id(item);
            var stars = row.Double(rating, 0.5, 5);
            var halves = stars * 2;
            if (halves != Math.Floor(halves)) throw row.Fail(rating, "not a multiple of 0.5 stars");
            var timeMs = row.Long(timestamp, 0, DateParsing.MaxTimeMs / 1000) * 1000;

            var u = run.Users.GetOrAdd(userId);
            var i = run.Items.GetOrAdd(itemId);
            ref var facts = ref run.Items[i];
            if (facts.Creator < 0) facts.Creator = run.Items.Creators.GetOrAdd(itemId);
            extras[0] = (int)halves;
            var feedback = stars >= LikeThreshold ? Feedback.Click | Feedback.Like : Feedback.Click;
            run.Events.Append(new Interaction(new UserId(u), new ItemId(i), timeMs, 0, 0, feedback), extras);
        });
    }

    private static void ReadMovies(ImportRun run, string path)
    {
        var name = Path.GetFileName(path);
        if (name.Equals("u.item", StringComparison.OrdinalIgnoreCase))
        {
            string[] columns = ["movie id", "movie title", "release date", "video release date", "IMDb URL", .. Genres100K];
            using var file = CsvFile.OpenWithoutHeader(path, '|', columns);
            run.ReadRows(file, (in CsvRow row) =>
            {
                row.RequireColumnCount(columns.Length);
                var itemId = row.Id(0);
                var genres = new List<string>();
                for (var g = 0; g < Genres100K.Count; g++)
                    if (row.Flag(5 + g)) genres.Add(Genres100K[g]);
                Describe(run, itemId, genres.ToArray());
            });
        }
        else if (name.EndsWith(".dat", StringComparison.OrdinalIgnoreCase))
        {
            // MovieID::Title::Genres; titles may hold ':' themselves, so the genres are the last column.
            using var file = CsvFile.OpenWithoutHeader(path, ':', ["MovieID", ":", "Title", ":", "Genres"]);
            run.ReadRows(file, (in CsvRow row) =>
            {
                row.RequireColumnCountAtLeast(5);
                var itemId = row.Id(0);
                Describe(run, itemId, SplitGenres(row.Span(row.ColumnCount - 1)));
            });
        }
        else
        {
            using var file = CsvFile.OpenWithHeader(path);
            var columns = file.Columns.Count;
            var item = file.Require("movieId");
            var genres = file.Require("genres");
            run.ReadRows(file, (in CsvRow row) =>
            {
                row.RequireColumnCount(columns);
                Describe(run, row.Id(item), SplitGenres(row.Span(genres)));
            });
        }
    }

    private static string[] SplitGenres(ReadOnlySpan<char> cell)
    {
        if (cell.IsEmpty || cell.SequenceEqual(NoGenres)) return [];
        var genres = new List<string>();
        foreach (var range in cell.Split('|'))
            if (!cell[range].IsEmpty) genres.Add(cell[range].ToString());
        return genres.ToArray();
    }

    /// <summary>Sets a rated movie's genres (the first is its genre); movies nobody rated are not kept.</summary>
    private static void Describe(ImportRun run, ReadOnlySpan<char> itemId, string[] genres)
    {
        if (!run.Items.Ids.TryGet(itemId, out var i)) return;
        ref var facts = ref run.Items[i];
        facts.Genre = genres.Length > 0 ? genres[0] : "";
        facts.Tags = genres;
        facts.Described = true;
    }
}
