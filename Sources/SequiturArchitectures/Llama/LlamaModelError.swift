/// Why a GGUF file cannot be run as a llama-style model (any `TransformerFamily`). Each case names the key or
/// tensor at fault.
public enum LlamaModelError: Error, CustomStringConvertible, Equatable {
    /// `general.architecture` is not the family's.
    case wrongArchitecture(String, expected: String)
    /// A required metadata key is absent.
    case missingMetadata(key: String)
    /// A metadata value is present but unusable (zero heads, a head count that does not divide, ...).
    case invalidHyperparameter(key: String, value: String, reason: String)
    /// RoPE scaling the model does not implement (anything but none, linear, yarn and Phi-3's longrope).
    case unsupportedRopeScaling(key: String, type: String, factor: Float?)
    /// A tensor the architecture needs is not in the file.
    case missingTensor(name: String)
    /// A tensor has the wrong shape; shapes are written `rows × columns` (GGUF `ne[1] × ne[0]`).
    case tensorShape(name: String, expected: String, actual: String)
    /// A tensor's values cannot be used (a RoPE frequency factor that is zero, negative or not finite).
    case invalidTensor(name: String, reason: String)
    /// The file holds a tensor this architecture does not read: running without it would give wrong scores
    /// silently (Llama 3's `rope_freqs.weight`, a bias, an extra norm). `others` counts the rest.
    case unusedTensor(name: String, others: Int)
    /// An `<architecture>.*` metadata key this implementation does not know: it may change the math (a sliding window, a
    /// soft-cap, experts, a rope scaling parameter), so the file is refused rather than run without it.
    case unsupportedMetadata(key: String, value: String)

    public var description: String {
        switch self {
        case let .wrongArchitecture(name, expected):
            return "general.architecture is '\(name)', but this model was asked to read a '\(expected)' file (ArchitectureRegistry picks the model a file declares)"
        case let .missingMetadata(key):
            return "GGUF metadata key '\(key)' is missing"
        case let .invalidHyperparameter(key, value, reason):
            return "GGUF metadata '\(key)' = \(value) is invalid: \(reason)"
        case let .unsupportedRopeScaling(key, type, factor):
            let f = factor.map { " with factor \($0)" } ?? ""
            return "GGUF metadata '\(key)' = '\(type)'\(f): this RoPE scaling is not implemented for this family (none, linear and yarn are, and longrope for phi3; gemma files take none or linear), so the file is refused rather than scored silently wrong"
        case let .missingTensor(name):
            return "tensor '\(name)' is missing from the model file"
        case let .tensorShape(name, expected, actual):
            return "tensor '\(name)' has shape \(actual), expected \(expected)"
        case let .invalidTensor(name, reason):
            return "tensor '\(name)' cannot be used: \(reason)"
        case let .unsupportedMetadata(key, value):
            return "GGUF metadata '\(key)' = \(value) is not implemented: it may change the computation, so the file is refused rather than scored silently wrong"
        case let .unusedTensor(name, others):
            let more = others > 0 ? " (and \(others) more)" : ""
            let what = name == "rope_freqs.weight" ? " (Llama 3's RoPE frequency factors)" : ""
            return "tensor '\(name)'\(what)\(more) is not read by this architecture: the model would run without it and every score would be silently wrong, so the file is refused"
        }
    }
}
