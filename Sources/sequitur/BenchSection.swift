import ArgumentParser

/// One workload of `sequitur bench`; `--only` picks a comma-separated subset.
enum BenchSection: String, CaseIterable, ExpressibleByArgument {
    case limits, scoring, decode, decode4, choice, beam, exhaustive, constrained, speculative, tokenizer, conversations, server

    func run(_ benchmarks: Benchmarks, scoringRequests: Int) throws -> [BenchCommand.Figure] {
        switch self {
        case .limits: benchmarks.limits()
        case .scoring: try benchmarks.scoring(requests: scoringRequests)
        case .decode: try benchmarks.decode()
        case .decode4: try benchmarks.decodeBatch4()
        case .choice: try benchmarks.multipleChoice()
        case .beam: try benchmarks.beam()
        case .exhaustive: try benchmarks.exhaustive()
        case .constrained: try benchmarks.constrained()
        case .speculative: try benchmarks.speculative()
        case .tokenizer: try benchmarks.tokenizer()
        case .conversations: try benchmarks.conversations()
        case .server: try benchmarks.server()
        }
    }
}

/// `--only scoring,decode`: the sections to run, in the table's order whatever order they were named in.
struct BenchSelection: ExpressibleByArgument {
    let sections: Set<BenchSection>

    /// Fails (and the parser lists the valid names) when any name is not a section.
    init?(argument: String) {
        var sections = Set<BenchSection>()
        for name in argument.split(separator: ",") {
            guard let section = BenchSection(rawValue: String(name)) else { return nil }
            sections.insert(section)
        }
        self.sections = sections
    }

    static var allValueStrings: [String] { BenchSection.allValueStrings }
}
