/// What an exact search can say about the hypotheses it returned.
public enum SearchCertificate: Sendable, Equatable {
    /// The returned hypotheses are exactly the n best of the whole search space, in order.
    case provenOptimal(expansions: Int)
    /// The budget ran out first. No unexplored sequence can score above `upperBound`; the best found is
    /// returned (and is optimal if its score is at least `upperBound`).
    case budgetExhausted(expansions: Int, bestFound: Double?, upperBound: Double, reason: String)

    public var isProvenOptimal: Bool {
        if case .provenOptimal = self { return true }
        return false
    }
}
