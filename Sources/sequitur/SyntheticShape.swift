import ArgumentParser
import SequiturDiagnostics

/// `sequitur bench --synthetic NAME`: a random-weight model of a real model's shape, so a machine without the
/// download (a GPU box) measures the same cost.
enum SyntheticShape: String, CaseIterable, ExpressibleByArgument {
    case smollm2_135m = "smollm2-135m"

    var shape: SyntheticLlamaShape {
        switch self {
        case .smollm2_135m: .smollm2_135m
        }
    }
}
