import ArgumentParser
import Sequitur

/// `--strategy joint-marginal|direct|shared-prefix`: the parser lists the values in `--help` and rejects any
/// other before the model loads.
extension ScorerStrategy: ExpressibleByArgument {}
