using System.Globalization;
using System.Net;
using System.Text;

namespace Twofold.Simulation;

/// <summary>
/// Small line and bar charts as inline SVG, so the simulation report is one self-contained file that any browser
/// opens without scripts or a charting package (a plotting library would pull a native graphics stack in).
/// </summary>
internal static class SvgChart
{
    private const int Width = 560, Height = 260, Left = 56, Right = 16, Top = 28, Bottom = 36;
    private static readonly string[] Colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

    /// <summary>One line per series over x = 1 … n.</summary>
    public static string Lines(string title, IReadOnlyList<(string Name, IReadOnlyList<double> Values)> series, string yLabel)
    {
        var n = series.Max(s => s.Values.Count);
        var max = Math.Max(1e-9, series.SelectMany(s => s.Values).DefaultIfEmpty(0).Max());
        var svg = Begin(title, yLabel, max);
        for (var s = 0; s < series.Count; s++)
        {
            var points = series[s].Values.Select((v, i) => $"{X(i, n):F1},{Y(v, max):F1}");
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{Colours[s % Colours.Length]}\" stroke-width=\"2\" points=\"{string.Join(' ', points)}\"/>");
        }
        for (var i = 0; i < n; i++)
            if (n <= 15 || i % (n / 10 + 1) == 0)
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(i, n):F1}\" y=\"{Height - Bottom + 14}\" font-size=\"10\" text-anchor=\"middle\">{i + 1}</text>");
        return End(svg, series.Select(s => s.Name).ToList());
    }

    /// <summary>Grouped bars: one group per category, one bar per series.</summary>
    public static string Bars(string title, IReadOnlyList<string> categories, IReadOnlyList<(string Name, IReadOnlyList<double> Values)> series, string yLabel)
    {
        var max = Math.Max(1e-9, series.SelectMany(s => s.Values).DefaultIfEmpty(0).Max());
        var svg = Begin(title, yLabel, max);
        var group = (Width - Left - Right) / (double)categories.Count;
        var bar = group * 0.8 / series.Count;
        for (var c = 0; c < categories.Count; c++)
        {
            for (var s = 0; s < series.Count; s++)
            {
                var value = c < series[s].Values.Count ? series[s].Values[c] : 0;
                var x = Left + c * group + group * 0.1 + s * bar;
                svg.Append(CultureInfo.InvariantCulture,
                    $"<rect x=\"{x:F1}\" y=\"{Y(value, max):F1}\" width=\"{bar:F1}\" height=\"{Height - Bottom - Y(value, max):F1}\" fill=\"{Colours[s % Colours.Length]}\"/>");
            }
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{Left + (c + 0.5) * group:F1}\" y=\"{Height - Bottom + 14}\" font-size=\"10\" text-anchor=\"middle\">{WebUtility.HtmlEncode(categories[c])}</text>");
        }
        return End(svg, series.Select(s => s.Name).ToList());
    }

    private static StringBuilder Begin(string title, string yLabel, double max)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\">");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"16\" font-size=\"13\" text-anchor=\"middle\">{WebUtility.HtmlEncode(title)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" stroke=\"#444\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Height - Bottom}\" stroke=\"#444\"/>");
        foreach (var fraction in new[] { 0.0, 0.5, 1.0 })
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{Left - 4}\" y=\"{Y(fraction * max, max) + 4:F1}\" font-size=\"10\" text-anchor=\"end\">{Format(fraction * max)}</text>");
        svg.Append(CultureInfo.InvariantCulture,
            $"<text x=\"12\" y=\"{(Top + Height - Bottom) / 2}\" font-size=\"10\" transform=\"rotate(-90 12 {(Top + Height - Bottom) / 2})\" text-anchor=\"middle\">{WebUtility.HtmlEncode(yLabel)}</text>");
        return svg;
    }

    private static string End(StringBuilder svg, IReadOnlyList<string> names)
    {
        for (var s = 0; s < names.Count; s++)
        {
            var x = Left + 8 + s * 130;
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"{Height - 14}\" width=\"10\" height=\"10\" fill=\"{Colours[s % Colours.Length]}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 14}\" y=\"{Height - 5}\" font-size=\"10\">{WebUtility.HtmlEncode(names[s])}</text>");
        }
        return svg.Append("</svg>").ToString();
    }

    private static double X(int index, int count) => Left + (count <= 1 ? 0.5 : index / (double)(count - 1)) * (Width - Left - Right);

    private static double Y(double value, double max) => Height - Bottom - value / max * (Height - Top - Bottom);

    private static string Format(double value) => value >= 100 ? value.ToString("N0", CultureInfo.InvariantCulture) : value.ToString("0.##", CultureInfo.InvariantCulture);
}
