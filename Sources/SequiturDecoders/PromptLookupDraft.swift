import SequiturCore

/// Prompt lookup decoding (Saxena 2023; transformers' `prompt_lookup_num_tokens`,
/// `PromptLookupCandidateGenerator`): the last `n` tokens of the context are looked up earlier in the context
/// (prompt and output), for `n` from `maxNgram` down to `minNgram`, and the tokens that followed the match are
/// proposed. Free to run (no model), and strong wherever the output copies its input: summaries, edits of a
/// given text, code that repeats identifiers, extraction.
///
/// Three choices differ from transformers, all only in which guess is made (the decoder's output never depends
/// on it): the *most recent* earlier occurrence is used (transformers takes the first), since recent text is
/// the better predictor of what repeats next; the copy may run past the end of the context into the
/// tokens it has just proposed (LZ77's overlapping copy), so a periodic pattern "a b c a b c" extrapolates to
/// `count` tokens instead of stopping at the end of the text; and a match of a single token, weak evidence
/// (common tokens recur everywhere), proposes at most `maxUnigramDraft` tokens. On a CPU each drafted token is
/// a row of verification work, kept or not (`sequitur bench`'s target-call figures); on the bench's copy-heavy
/// prompts a cap of 1 kept 148 of 212 drafts where no cap kept 149 of 234, for one target call more (79, 78).
public struct PromptLookupDraft: DraftSource {
    public let maxNgram: Int
    public let minNgram: Int
    public let maxUnigramDraft: Int

    public var name: String { "prompt-lookup" }

    public init(maxNgram: Int = 3, minNgram: Int = 1, maxUnigramDraft: Int = 1) throws {
        guard minNgram >= 1 else {
            throw DecodingError.invalidParameter(name: "minNgram", message: "must be at least 1, got \(minNgram)")
        }
        guard maxNgram >= minNgram else {
            throw DecodingError.invalidParameter(
                name: "maxNgram", message: "must be at least minNgram (\(minNgram)), got \(maxNgram)")
        }
        guard maxUnigramDraft >= 1 else {
            throw DecodingError.invalidParameter(name: "maxUnigramDraft", message: "must be at least 1, got \(maxUnigramDraft)")
        }
        self.maxNgram = maxNgram
        self.minNgram = minNgram
        self.maxUnigramDraft = maxUnigramDraft
    }

    public func propose(after context: [TokenID], count: Int) -> [TokenID] {
        Self.lookup(in: context, count: count, maxNgram: maxNgram, minNgram: minNgram, maxUnigramDraft: maxUnigramDraft)
    }

    /// The continuation of the most recent earlier occurrence of the longest matching suffix of `context`
    /// (`n` in `maxNgram` down to `minNgram`), `count` tokens long (at most `maxUnigramDraft` when only one
    /// token matched), or empty when no suffix recurs.
    public static func lookup(in context: [TokenID], count: Int, maxNgram: Int, minNgram: Int,
                              maxUnigramDraft: Int = .max) -> [TokenID] {
        let length = context.count
        guard count > 0 else { return [] }
        for n in stride(from: min(maxNgram, length - 1), through: minNgram, by: -1) {
            let suffix = length - n
            // Occurrences starting before `suffix`: the suffix itself has nothing after it to propose.
            var start = suffix - 1
            while start >= 0 {
                if context[start] == context[suffix], context[start..<(start + n)].elementsEqual(context[suffix...]) {
                    return copy(from: context, at: start + n, count: n == 1 ? min(count, maxUnigramDraft) : count)
                }
                start -= 1
            }
        }
        return []
    }

    /// `count` tokens copied from `from`, reading on into the tokens already copied once the context ends.
    private static func copy(from context: [TokenID], at offset: Int, count: Int) -> [TokenID] {
        var proposal: [TokenID] = []
        proposal.reserveCapacity(count)
        for i in offset..<(offset + count) {
            // i - context.count < proposal.count, since offset < context.count and one token is added per step.
            proposal.append(i < context.count ? context[i] : proposal[i - context.count])
        }
        return proposal
    }
}
