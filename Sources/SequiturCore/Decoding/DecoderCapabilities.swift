/// What a decoder does beyond returning a best hypothesis, so that callers (the command line, a server) ask
/// instead of knowing decoders by name: whether to stream, whether to print an n-best list, whether to show a
/// certificate.
///
/// A decoder states them through `Decoder.capabilities` and, for listings that must not build it first, on its
/// `DecoderRegistry` entry; the built-in decoders give both the same value.
public struct DecoderCapabilities: OptionSet, Sendable, Hashable {
    public let rawValue: Int

    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Calls `DecodingRequest.onToken` once per token as it is chosen, and stops early when it returns false.
    public static let streamsTokens = DecoderCapabilities(rawValue: 1 << 0)
    /// Can return several hypotheses, best first (an n-best list worth printing whole).
    public static let returnsNBest = DecoderCapabilities(rawValue: 1 << 1)
    /// Fills `DecodingResult.certificate` with a statement about optimality.
    public static let certifiesOptimality = DecoderCapabilities(rawValue: 1 << 2)

    /// Every capability with the word listings print for it, in a fixed order.
    public static let named: [(capability: DecoderCapabilities, name: String)] = [
        (.streamsTokens, "streams-tokens"), (.returnsNBest, "n-best"), (.certifiesOptimality, "certificate"),
    ]

    /// The names of the capabilities in this set, in `named` order.
    public var names: [String] { Self.named.filter { contains($0.capability) }.map(\.name) }
}
