import SequiturCore

/// Turns a text request (context, continuation) into token ids exactly as lm-evaluation-harness does
/// (`loglikelihood` with `_encode_pair`), so scores are comparable with the harness's.
///
/// The rule:
/// 1. If the context ends with whitespace, that trailing whitespace is moved to the front of the continuation
///    (`context = context.rstrip(); continuation = spaces + continuation`), because BPE vocabularies attach a
///    space to the word after it.
/// 2. The context and continuation are encoded *together* (`whole`), the context is encoded alone
///    (`contextTokens`), and the continuation is `whole[contextTokens.count...]`: the tokens after the
///    context's own encoding length.
///
/// So a leading space belongs to the continuation: with context `"The capital of France is"` and continuation
/// `" Paris"`, the continuation tokens are those of `" Paris"` (one token `Ġ"Paris"` in GPT-2-style BPE) and the
/// context's tokens are unchanged. A context `"The capital of France is "` with continuation `"Paris"` is
/// split the same way, by step 1.
///
/// When a merge crosses the boundary, the joint encoding's first tokens differ from the context's own
/// encoding. The harness still splits at the context-encoding *length*: the context tokens are the context's
/// own encoding, and the continuation is the tail of the joint encoding after that many tokens. With a
/// vocabulary that merges `"ab"`, context `"xa"` and continuation `"bc"` give context `[x, a]` and continuation
/// `whole[2...]` of `[x, ab, c]`, that is `[c]`: the scored continuation lost the `b` that was merged into the
/// boundary token. This is the harness's behaviour and is kept for comparability.
///
/// An empty context (as given, before step 1) is replaced by `prefixToken` (the harness uses the model's BOS or
/// EOT token) and the continuation is encoded alone. Without a prefix token, or when the context is only
/// whitespace, the split throws `ScoringError.emptyContext`.
///
/// Whitespace is Python's `str.isspace` (Unicode White_Space plus U+001C–U+001F), counted in Unicode scalars
/// as Python counts characters.
public struct TextScoringSplitter {
    public let encoder: any TextEncoder
    /// The token an empty context is replaced by (BOS or EOT); nil rejects empty contexts.
    public let prefixToken: TokenID?

    public init(encoder: any TextEncoder, prefixToken: TokenID? = nil) {
        self.encoder = encoder
        self.prefixToken = prefixToken
    }

    /// The token ids for one text request, split at the harness's boundary.
    public func split(context: String, continuation: String, id: String = "") throws
        -> (context: [TokenID], continuation: [TokenID])
    {
        if context.isEmpty {
            guard let prefixToken else { throw ScoringError.emptyContext(id: id) }
            return ([prefixToken], try encoder.encode(continuation))
        }
        let (trimmedContext, movedContinuation) = Self.moveTrailingWhitespace(context: context,
                                                                            continuation: continuation)
        let whole = try encoder.encode(trimmedContext + movedContinuation)
        let contextTokens = try encoder.encode(trimmedContext)
        guard !contextTokens.isEmpty else { throw ScoringError.emptyContext(id: id) }
        return (contextTokens, Array(whole.dropFirst(contextTokens.count)))
    }

    /// A `ScoringRequest` for one text request.
    public func request(id: String, context: String, continuation: String) throws -> ScoringRequest {
        let (x, y) = try split(context: context, continuation: continuation, id: id)
        return ScoringRequest(id: id, context: x, continuation: y)
    }

    /// Step 1 of the rule: trailing whitespace of the context moves to the front of the continuation.
    public static func moveTrailingWhitespace(context: String, continuation: String)
        -> (context: String, continuation: String)
    {
        let scalars = context.unicodeScalars
        var cut = scalars.endIndex
        while cut > scalars.startIndex, isPythonSpace(scalars[scalars.index(before: cut)]) {
            cut = scalars.index(before: cut)
        }
        return (String(scalars[..<cut]), String(scalars[cut...]) + continuation)
    }

    /// Python's `str.isspace` for one character: White_Space, plus the information separators U+001C–U+001F
    /// that Python counts (bidirectional class B/S) and Unicode does not.
    static func isPythonSpace(_ s: Unicode.Scalar) -> Bool {
        s.properties.isWhitespace || (0x1C...0x1F).contains(s.value)
    }
}
