namespace Twofold.CreatorSide;

/// <summary>What a saved activity predictor was trained with: kept beside the model in its file.</summary>
/// <param name="FormatVersion">The version of the model file layout (<see cref="CurrentFormatVersion"/>).</param>
/// <param name="Trainer">The learner, <see cref="LightGbmTrainer"/>.</param>
/// <param name="Features">Feature names in column order; a model only scores features computed the same way.</param>
/// <param name="FirstTargetDate">The first target day trained on.</param>
/// <param name="LastTargetDate">The last target day trained on.</param>
/// <param name="Examples">Number of (user, day) training examples.</param>
/// <param name="PositiveRate">Fraction of training examples that were visits.</param>
public sealed record ActivityModelInfo(
    int FormatVersion,
    string Trainer,
    ActivityOptions Options,
    IReadOnlyList<string> Features,
    DateOnly FirstTargetDate,
    DateOnly LastTargetDate,
    int Examples,
    double PositiveRate)
{
    public const int CurrentFormatVersion = 1;
    public const string LightGbmTrainer = "ml.net-lightgbm-binary";
}
