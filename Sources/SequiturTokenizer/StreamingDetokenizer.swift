import SequiturCore

/// Turns tokens generated one at a time into text, emitting only complete characters: a token that ends
/// inside a multi-byte UTF-8 character (byte-level BPE splits characters freely) is held back until the
/// tokens that complete it arrive. Bytes that can never become a character are emitted as U+FFFD at once.
/// The concatenation of everything `append` and `finish` return equals `decode` of all the tokens (so the
/// space a SentencePiece prefix puts at the start of the text is dropped here too).
public struct StreamingDetokenizer {
    private let tokenizer: BPETokenizer
    private let skipSpecial: Bool
    private var pending: [UInt8] = []
    /// Whether no byte has been emitted yet: where `decode` drops a SentencePiece prefix space.
    private var atStart = true

    public init(tokenizer: BPETokenizer, skipSpecial: Bool = false) {
        self.tokenizer = tokenizer
        self.skipSpecial = skipSpecial
    }

    /// The text `token` completes (possibly empty).
    public mutating func append(_ token: TokenID) -> String {
        pending += tokenizer.decodedBytes(of: token, skipSpecial: skipSpecial)
        if atStart, !pending.isEmpty {
            atStart = false
            if tokenizer.addSpacePrefix, pending.first == 0x20 { pending.removeFirst() }
        }
        guard !pending.isEmpty else { return "" }
        let held = UTF8Sequence.incompleteSuffixLength(pending)
        let text = String(decoding: pending[..<(pending.count - held)], as: UTF8.self)
        pending.removeFirst(pending.count - held)
        return text
    }

    /// Whatever is still held back (an unfinished character, as U+FFFD), and a reset.
    public mutating func finish() -> String {
        defer { pending.removeAll(); atStart = true }
        return String(decoding: pending, as: UTF8.self)
    }
}
