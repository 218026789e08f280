import SequiturCore

/// One output as a minimum-Bayes-risk utility sees it: its tokens and its text, so that each utility picks the
/// view it is defined on (token F1 on ids, chrF and BLEU on text) without knowing the vocabulary.
///
/// `tokens` are the hypothesis's tokens without the end token that finished it: every finished output carries
/// one, and counting it would make any two outputs overlap. `text` is the vocabulary's text of the tokens
/// (end and other control tokens print nothing).
public struct MBRSequence: Sendable, Hashable {
    public var tokens: [TokenID]
    public var text: String

    public init(tokens: [TokenID], text: String) {
        self.tokens = tokens
        self.text = text
    }
}

/// How good `hypothesis` is if `reference` is the right answer: the `u(h, r)` whose expectation under the
/// model a minimum-Bayes-risk decoder maximises. Utilities need not be symmetric (chrF weighs recall over
/// precision) and are called as `utility(candidate, pseudoReference)`.
///
/// The built-in ones lie in [0, 1] and give 1 when the two are identical (two empty outputs included). Add
/// another by conforming to this protocol and registering it in an `MBRUtilityRegistry`:
///
/// ```swift
/// struct LengthMatch: MBRUtility {
///     let name = "length", summary = "1 when the outputs have as many tokens"
///     func utility(_ h: MBRSequence, _ r: MBRSequence) -> Double { h.tokens.count == r.tokens.count ? 1 : 0 }
/// }
/// var utilities = MBRUtilityRegistry.standard
/// utilities.register(LengthMatch())
/// ```
public protocol MBRUtility: Sendable {
    /// The name the `utility` parameter of the "mbr" decoder selects it by.
    var name: String { get }
    /// One line for listings.
    var summary: String { get }
    func utility(_ hypothesis: MBRSequence, _ reference: MBRSequence) -> Double
}
