import SequiturCore

/// The scorer for a configured strategy (`scorer:` in a configuration file, `--scorer` on the command line).
///
/// All three return the same numbers to 1e-4; they differ in work: joint-marginal runs each context twice,
/// direct once per request, shared-prefix once per distinct context.
///
/// - Parameter batchSize: sequences per `LanguageModel.extend` call (values below 1 act as 1).
public func makeScorer(_ strategy: ScorerStrategy, batchSize: Int = 16) -> any Scorer {
    switch strategy {
    case .jointMarginal: return JointMarginalScorer(batchSize: batchSize)
    case .direct: return DirectScorer(batchSize: batchSize)
    case .sharedPrefix: return SharedPrefixScorer(batchSize: batchSize)
    }
}
