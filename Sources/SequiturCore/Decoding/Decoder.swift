/// A decoding strategy: approximates (greedy, beam) or finds (exhaustive) `ŷ = argmax_y Pr(y | x)`, or samples
/// from `Pr(y | x)`.
///
/// A decoder talks to the model only through `LanguageModel`; it grows sequences by forking states and
/// extending them in batches. Decoders are built by name from a configuration through `DecoderRegistry`, so
/// code outside the package plugs in its own the same way:
///
/// ```swift
/// let decoder = try DecoderRegistry.standard.make(DecoderConfiguration(name: "beam", parameters: ["numBeams": 4]))
/// let result = try decoder.decode(DecodingRequest(prompt: ids), model: model)
/// print(result.best!.tokens, result.best!.score)
/// ```
public protocol Decoder {
    /// The registry name ("greedy", "beam", ...).
    var name: String { get }
    /// What it does beyond returning a best hypothesis (streaming, n-best, certificate); none by default, so a
    /// decoder that claims nothing is never asked for more than its best hypothesis.
    var capabilities: DecoderCapabilities { get }
    /// The n-best hypotheses for `request.prompt`, best first.
    func decode(_ request: DecodingRequest, model: any LanguageModel) throws -> DecodingResult
}

extension Decoder {
    public var capabilities: DecoderCapabilities { [] }
}

/// Errors decoders raise.
public enum DecodingError: Error, CustomStringConvertible, Equatable {
    case emptyPrompt
    case invalidParameter(name: String, message: String)
    case promptTooLong(promptLength: Int, maxNewTokens: Int, contextLength: Int)
    /// An exhaustive search proved that no output the logit processors allow (a grammar's sentence, a minimum
    /// length) finishes within `maxNewTokens`.
    case noAdmissibleOutput(maxNewTokens: Int, expansions: Int)

    public var description: String {
        switch self {
        case .emptyPrompt:
            return "the prompt is empty: a causal model needs at least one token to condition on"
        case let .invalidParameter(name, message):
            return "\(name): \(message)"
        case let .promptTooLong(promptLength, maxNewTokens, contextLength):
            return "prompt of \(promptLength) tokens plus maxNewTokens \(maxNewTokens) exceeds the context length \(contextLength)"
        case let .noAdmissibleOutput(maxNewTokens, expansions):
            return "no output the logit processors allow finishes within maxNewTokens \(maxNewTokens) (the search proved it after \(expansions) expansions); raise maxNewTokens or loosen the constraint"
        }
    }
}
