using System.Globalization;
using System.Text;

namespace Twofold.Bench;

/// <summary>
/// <c>gen-kuairand &lt;path&gt; &lt;rows&gt;</c>: writes a deterministic KuaiRand-format log CSV (same header and value
/// ranges as log_standard_*.csv) for the import throughput benchmark.
/// </summary>
public static class KuaiRandLogGenerator
{
    public const string Header =
        "user_id,video_id,date,hourmin,time_ms,is_click,is_like,is_follow,is_comment,is_forward,is_hate,long_view,play_time_ms,duration_ms,profile_stay_time,comment_stay_time,is_profile_enter,is_rand,tab";

    public static int Run(string[] args)
    {
        if (args.Length != 2 || !long.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var rows))
        {
            Console.Error.WriteLine("usage: gen-kuairand <path> <rows>");
            return 2;
        }
        Write(args[0], rows);
        return 0;
    }

    public static void Write(string path, long rows, ulong seed = 20220408)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        writer.WriteLine(Header);
        var state = seed | 1;
        ulong Next()
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            return state;
        }
        var start = new DateTimeOffset(2022, 4, 8, 0, 0, 0, TimeSpan.FromHours(8)).ToUnixTimeMilliseconds();
        const long span = 30L * 86_400_000;
        var line = new StringBuilder(160);
        for (long r = 0; r < rows; r++)
        {
            var time = start + r * span / Math.Max(rows, 1) + (long)(Next() % 1000);
            var local = DateTimeOffset.FromUnixTimeMilliseconds(time).ToOffset(TimeSpan.FromHours(8));
            var duration = 5_000 + (int)(Next() % 120_000);
            var play = (int)(Next() % (ulong)(duration * 2));
            var click = Next() % 3 == 0 ? 1 : 0;
            line.Clear();
            line.Append(CultureInfo.InvariantCulture, $"{Next() % 27_285},{Next() % 7_583},{local:yyyyMMdd},{local:HHmm},{time},{click},");
            line.Append(CultureInfo.InvariantCulture, $"{(Next() % 50 == 0 ? 1 : 0)},{(Next() % 500 == 0 ? 1 : 0)},{(Next() % 300 == 0 ? 1 : 0)},");
            line.Append(CultureInfo.InvariantCulture, $"{(Next() % 700 == 0 ? 1 : 0)},{(Next() % 1000 == 0 ? 1 : 0)},{(play > duration ? 1 : 0)},{play},{duration},");
            line.Append(CultureInfo.InvariantCulture, $"{(Next() % 100 == 0 ? Next() % 60_000 : 0)},{(Next() % 100 == 0 ? Next() % 60_000 : 0)},");
            line.Append(CultureInfo.InvariantCulture, $"{(Next() % 80 == 0 ? 1 : 0)},{(r % 20 == 0 ? 1 : 0)},{Next() % 15}");
            writer.WriteLine(line);
        }
    }
}
