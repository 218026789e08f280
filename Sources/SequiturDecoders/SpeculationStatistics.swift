/// How a speculative decode went: how many tokens were drafted and verified, how many of them the target kept,
/// and how many target `extend` calls it took, for benchmarks to report the acceptance rate and the calls saved
/// over one call per token (greedy makes `tokens` calls: the prompt's and one per token after the first).
public struct SpeculationStatistics: Sendable, Equatable {
    /// Drafted tokens fed to the target for verification.
    public var drafted = 0
    /// Drafted tokens the target kept (it would have chosen them itself, or the sampling rule accepted them).
    public var accepted = 0
    /// Target `extend` calls, the prompt's included.
    public var targetCalls = 0
    /// Tokens generated.
    public var tokens = 0

    public init() {}

    /// `accepted / drafted` (0 when nothing was drafted).
    public var acceptanceRate: Double { drafted == 0 ? 0 : Double(accepted) / Double(drafted) }
}
