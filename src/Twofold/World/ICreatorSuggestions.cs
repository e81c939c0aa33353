namespace Twofold.World;

/// <summary>
/// A platform's creation suggestions (LoRe §4.1: the action set A_c = {a_0 = no suggestion} ∪ genres): each round the
/// platform may suggest to each creator a genre to make. Suggestion policies (LoRe's PPO policy and its baselines
/// Most Click, Most History Click) plug in here; <see cref="SuggestionFollowingBehaviour"/> is the creator side.
/// </summary>
public interface ICreatorSuggestions
{
    /// <summary>The genre suggested to <paramref name="creator"/> for the day of <paramref name="state"/>, or null for no suggestion.</summary>
    int? Suggest(WorldState state, int creator);
}

/// <summary>No suggestions at all (LoRe's "w/o Signal"): suggestion-following creators act by their own model.</summary>
public sealed class NoSuggestions : ICreatorSuggestions
{
    public static NoSuggestions Instance { get; } = new();

    public int? Suggest(WorldState state, int creator) => null;
}
