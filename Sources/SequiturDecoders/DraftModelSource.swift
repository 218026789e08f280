import SequiturCore

/// A smaller model drafts for a larger one (Leviathan et al. 2023; Chen et al. 2023; transformers' assisted
/// generation with an `assistant_model`): it proposes its own greedy continuation (the argmax at each step,
/// ties to the lower id), one single-token `extend` of the draft model per drafted token.
///
/// The draft model must share the target's vocabulary token for token (`validate(target:)` refuses a
/// different size or any token whose bytes differ, naming it), since drafted ids are fed to the target as they
/// are. Its context length may be shorter: near it, fewer tokens (or none) are proposed.
///
/// The draft model's state follows the decode: each call feeds it only the tokens that are new since the last
/// call. Drafted tokens the target rejected are dropped by forking a prefix of the drafting state when the
/// draft model's states are `PrefixForkableState`s; otherwise the drafting happens on a fork, and the clean
/// state before it is continued (the accepted drafts are fed again, in the same single `extend`).
public struct DraftModelSource: DraftSource {
    public let model: any LanguageModel
    /// Holds a prefix of the last context, never a drafted token (the fallback when states cannot fork a prefix).
    private var synced: SequenceState?
    /// Holds the last context plus all but the last drafted token.
    private var drafting: SequenceState?

    public var name: String { "draft-model" }

    public init(model: any LanguageModel) {
        self.model = model
    }

    public func validate(target: any LanguageModel) throws {
        let mine = model.vocabulary, theirs = target.vocabulary
        guard mine.count == theirs.count else {
            throw DecodingError.invalidParameter(
                name: "draft", message: "the draft model's vocabulary has \(mine.count) tokens, the target's \(theirs.count): they must be the same vocabulary")
        }
        for t in 0..<TokenID(mine.count) where mine.bytes(of: t) != theirs.bytes(of: t) {
            throw DecodingError.invalidParameter(
                name: "draft", message: "token \(t) is \(Self.describe(mine.bytes(of: t))) in the draft model's vocabulary but \(Self.describe(theirs.bytes(of: t))) in the target's: they must be the same vocabulary")
        }
    }

    public mutating func propose(after context: [TokenID], count: Int) throws -> [TokenID] {
        let count = min(count, model.contextLength - context.count)
        guard count > 0, !context.isEmpty else { return [] }
        let state = resume(at: context)
        let tail = Array(context[state.count...])
        var next = try model.extend([ExtensionRequest(state: state, tokens: tail, lastQuery: .argmax)])[0].last!.argmax
        var proposal = [next]
        synced = state
        // Draft on a fork, so `synced` stays clean for models whose states cannot fork a prefix.
        let work = state.fork()
        while proposal.count < count {
            next = try model.extend([ExtensionRequest(state: work, tokens: [next], lastQuery: .argmax)])[0].last!.argmax
            proposal.append(next)
        }
        drafting = work
        return proposal
    }

    /// A state holding a proper prefix of `context` (at least one token is left to feed, for the answer after
    /// the last one), as long a prefix as is cached.
    private func resume(at context: [TokenID]) -> SequenceState {
        if let drafting, let forkable = drafting as? PrefixForkableState {
            let common = zip(drafting.tokens, context).prefix { $0 == $1 }.count
            return forkable.fork(keepingFirst: min(common, context.count - 1))
        }
        if let synced, synced.count < context.count, context.starts(with: synced.tokens) { return synced }
        return model.makeState()
    }

    private static func describe(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        return bytes.isEmpty ? "empty (a control token)" : "\"\(text)\" (bytes \(bytes))"
    }
}
