import Foundation
import SequiturCore

/// The two BPE tokenizers GGUF files carry, encoding and decoding exactly as their references do:
/// - byte-level BPE (`tokenizer.ggml.model = gpt2`: SmolLM, Llama 3, Qwen), merged by rank, as HF
///   `tokenizers` does (transformers builds it from the GGUF);
/// - SentencePiece BPE (`tokenizer.ggml.model = llama`: Llama 2, Mistral, TinyLlama, Phi-3), merged by
///   score with byte fallback, as the `sentencepiece` library and llama.cpp do (see `SentencePieceMerges`).
///
/// Byte-level encoding: added tokens (control tokens such as `<|im_start|>` when special parsing is on, user-defined
/// tokens always) are cut out of the text whole; the rest is cut into pre-tokens by the `PreTokenizer`
/// named in the file; each pre-token's UTF-8 bytes become the vocabulary's byte tokens, which are merged by
/// rank. A byte whose token the vocabulary lacks is dropped, as the reference drops it (it has no unknown
/// token for byte-level BPE). No normalisation is applied (the reference applies none).
///
/// SentencePiece encoding: the same added tokens are cut out (control and unknown tokens only when special
/// parsing is on, as llama.cpp does); each remaining fragment gets a leading space when it starts the text
/// or follows an added token (`tokenizer.ggml.add_space_prefix`, default on), has its spaces written `▁`,
/// and is merged whole: SentencePiece has no pre-tokenizer. Decoding writes `▁` as a space, a byte token as
/// its byte, and drops the one space the prefix put at the start of the text, as HF's decoder does.
///
/// Thread safety: everything is immutable after `init` except the pre-token cache, which an encode call
/// checks out under a lock and uses alone (a concurrent call gets a fresh one), so one tokenizer may be used
/// from several threads (hence `@unchecked Sendable`).
public final class BPETokenizer: Vocabulary, @unchecked Sendable {
    /// Which BPE a vocabulary uses (`tokenizer.ggml.model`).
    public enum Model: String, Sendable, CaseIterable {
        /// Byte-level BPE with ranked merges (`gpt2`).
        case byteLevel = "gpt2"
        /// SentencePiece BPE with scored tokens and byte fallback (`llama`).
        case sentencePiece = "llama"
    }

    public let model: Model
    /// Each token as the vocabulary stores it (byte-level spelling: `Ġthe` is " the"; SentencePiece
    /// spelling: `▁the`).
    public let tokens: [String]
    public let tokenTypes: [TokenType]
    /// How text is cut before byte-level merges; nil for SentencePiece, which merges whole fragments.
    public let preTokenizer: PreTokenizer?
    /// The `tokenizer.ggml.pre` name the pre-tokenizer was chosen by.
    public let preTokenizerName: String
    public let bosID: TokenID?
    public let eosID: TokenID?
    public let unknownID: TokenID?
    public let paddingID: TokenID?
    /// Whether `encode` prepends `bosID` unless told otherwise (`tokenizer.ggml.add_bos_token`; false when
    /// absent, as transformers' GPT-2 tokenizer defaults).
    public let addBOS: Bool
    /// Whether `encode` appends `eosID` (`tokenizer.ggml.add_eos_token`; false when absent).
    public let addEOS: Bool
    /// The Jinja chat template (`tokenizer.chat_template`), if the file has one.
    public let chatTemplate: String?
    /// Tokens that end generation: `eosID`, the end-of-turn id the file names (`eot_token_id`,
    /// `eom_token_id`), and every control token spelled like a known end marker (`<|im_end|>`, `<|eot_id|>`,
    /// `<|eom_id|>`, `<|endoftext|>`, `<|end_of_text|>`, `<|end|>`, `<end_of_turn>`).
    public let endTokens: Set<TokenID>

    public var count: Int { tokens.count }
    public var beginToken: TokenID? { addBOS ? bosID : nil }

    /// SentencePiece only: whether a fragment that starts the text or follows an added token gets a space
    /// in front (and `decode` drops it again at the start of the text).
    public let addSpacePrefix: Bool

    private let merges: BPEMerges
    private let pieces: SentencePieceMerges?
    private let specialTokens: SpecialTokenMatcher
    /// What each token decodes to (control tokens included: `decode` prints them unless told to skip them).
    private let decodedBytes: [[UInt8]]
    /// Token id by byte-level spelling.
    private let idsBySpelling: [String: TokenID]
    /// A pre-token that is itself in the vocabulary is that one token, whatever the merges would make of it
    /// (HF `tokenizers`' `ignore_merges`, set in Llama 3's tokenizer.json; llama.cpp's `ignore_merges` for the
    /// same `pre` names). Without it " Việt" is three tokens where Llama 3 has one.
    private let wholePreTokensFirst: Bool
    static let wholePreTokenVocabularies: Set<String> = ["llama-bpe", "llama3", "llama-v3", "falcon3", "pixtral"]
    private let cache = PreTokenCache()

    static let endMarkers: Set<String> = [
        "<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<|endoftext|>", "<|end_of_text|>", "<|end|>", "<end_of_turn>",
    ]

    /// A tokenizer from plain arrays, as GGUF stores them.
    /// - Parameters:
    ///   - tokens: the vocabulary in id order (`tokenizer.ggml.tokens`).
    ///   - merges: `"left right"` pairs, best first (`tokenizer.ggml.merges`).
    ///   - tokenTypes: one `TokenType` raw value per token (`tokenizer.ggml.token_type`); empty means all normal.
    ///   - preTokenizer: the `tokenizer.ggml.pre` name.
    ///   - endOfTurnIDs: extra end-of-generation ids (`eot_token_id`, `eom_token_id`).
    ///   - model: byte-level (`merges` apply) or SentencePiece (`scores` apply, `merges` are ignored).
    ///   - scores: SentencePiece only, one per token (`tokenizer.ggml.scores`).
    ///   - addSpacePrefix: SentencePiece only (`tokenizer.ggml.add_space_prefix`).
    public init(
        tokens: [String], merges: [String], tokenTypes: [Int32], preTokenizer: String,
        bosID: TokenID? = nil, eosID: TokenID? = nil, unknownID: TokenID? = nil, paddingID: TokenID? = nil,
        endOfTurnIDs: [TokenID] = [], addBOS: Bool = false, addEOS: Bool = false, chatTemplate: String? = nil,
        model: Model = .byteLevel, scores: [Float] = [], addSpacePrefix: Bool = true
    ) throws {
        guard !tokens.isEmpty else { throw TokenizerError.emptyVocabulary }
        guard tokenTypes.isEmpty || tokenTypes.count == tokens.count else {
            throw TokenizerError.lengthMismatch(
                field: "tokenizer.ggml.token_type", count: tokenTypes.count, expected: tokens.count)
        }
        if model == .sentencePiece {
            guard scores.count == tokens.count else {
                throw TokenizerError.lengthMismatch(field: "tokenizer.ggml.scores", count: scores.count, expected: tokens.count)
            }
            if let index = scores.firstIndex(where: { !$0.isFinite }) {
                throw TokenizerError.nonFiniteScore(index: index, value: scores[index])
            }
        }
        let types: [TokenType] = try tokenTypes.isEmpty
            ? Array(repeating: .normal, count: tokens.count)
            : tokenTypes.enumerated().map { index, raw in
                guard let type = TokenType(rawValue: raw) else {
                    throw TokenizerError.invalidTokenType(index: index, value: raw)
                }
                return type
            }
        for (field, id) in [("bos", bosID), ("eos", eosID), ("unknown", unknownID), ("padding", paddingID)]
            + endOfTurnIDs.map({ ("end-of-turn", Optional($0)) })
        {
            if let id, id < 0 || Int(id) >= tokens.count {
                throw TokenizerError.tokenIdOutOfRange(
                    field: "tokenizer.ggml.\(field) token id", id: Int(id), vocabularySize: tokens.count)
            }
        }

        self.model = model
        self.addSpacePrefix = model == .sentencePiece && addSpacePrefix
        self.tokens = tokens
        self.tokenTypes = types
        // SentencePiece has no pre-tokenizer: its `pre` name (llama.cpp writes "default") is not used.
        self.preTokenizer = model == .sentencePiece ? nil : try PreTokenizer(ggufName: preTokenizer)
        self.preTokenizerName = preTokenizer
        self.bosID = bosID
        self.eosID = eosID
        self.unknownID = unknownID
        self.paddingID = paddingID
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.chatTemplate = chatTemplate

        // Tokens outside the byte alphabet (a user-defined "<think>" is fine, a "€" is not) are looked up by
        // the byte-level spelling of their UTF-8, as the reference's loader respells them; on a duplicate
        // spelling the later id wins, as in its vocabulary dictionary.
        // (SentencePiece looks its tokens up by their bytes, in `SentencePieceMerges`.)
        var spellings: [String: TokenID] = [:]
        if model == .byteLevel {
            spellings.reserveCapacity(tokens.count)
            for (index, token) in tokens.enumerated() {
                let spelling = ByteLevelAlphabet.spells(token) ? token : ByteLevelAlphabet.spelling(of: token.utf8)
                spellings[spelling] = TokenID(index)
            }
        }
        idsBySpelling = spellings
        wholePreTokensFirst = model == .byteLevel && Self.wholePreTokenVocabularies.contains(preTokenizer)
        switch model {
        case .byteLevel:
            self.merges = try Self.mergeTable(merges, spellings: spellings)
            pieces = nil
            decodedBytes = tokens.map { token in
                // The reference's byte-level decoder maps a token char by char, or takes its UTF-8 as is
                // when any character is outside the alphabet.
                var bytes: [UInt8] = []
                for scalar in token.unicodeScalars {
                    guard let byte = ByteLevelAlphabet.byte(for: scalar) else { return Array(token.utf8) }
                    bytes.append(byte)
                }
                return bytes
            }
        case .sentencePiece:
            self.merges = BPEMerges(table: [:], byteTokens: Array(repeating: -1, count: 256))
            pieces = SentencePieceMerges(tokens: tokens, scores: scores, unknownID: unknownID)
            decodedBytes = try tokens.enumerated().map { index, token in
                try Self.sentencePieceBytes(of: token, type: types[index], index: index)
            }
        }

        // Byte-level control tokens spelled outside the byte alphabet are llama.cpp mislabels that the
        // reference does not add, so they are not matched either. SentencePiece matches its unknown token
        // as a control token, as llama.cpp does.
        var patterns: [SpecialTokenMatcher.Pattern] = []
        for (index, token) in tokens.enumerated() {
            switch types[index] {
            case .control where model == .sentencePiece || ByteLevelAlphabet.spells(token),
                 .unknown where model == .sentencePiece:
                patterns.append(.init(bytes: Array(token.utf8), id: TokenID(index), isControl: true))
            case .userDefined:
                patterns.append(.init(bytes: Array(token.utf8), id: TokenID(index), isControl: false))
            default:
                break
            }
        }
        specialTokens = SpecialTokenMatcher(patterns)

        var ends = Set(endOfTurnIDs)
        if let eosID { ends.insert(eosID) }
        for (index, token) in tokens.enumerated() where types[index] == .control && Self.endMarkers.contains(token) {
            ends.insert(TokenID(index))
        }
        endTokens = ends
    }

    /// What a SentencePiece token decodes to: `▁` as a space for text tokens, the byte for a byte token
    /// (`<0x0A>`), the text as stored for added, control and unknown tokens.
    private static func sentencePieceBytes(of token: String, type: TokenType, index: Int) throws -> [UInt8] {
        switch type {
        case .byte:
            let utf8 = Array(token.utf8)
            guard utf8.count == 6, token.hasPrefix("<0x"), token.hasSuffix(">"),
                  let byte = UInt8(String(decoding: utf8[3..<5], as: UTF8.self), radix: 16)
            else { throw TokenizerError.malformedByteToken(index: index, token: token) }
            return [byte]
        case .normal, .unused:
            var bytes: [UInt8] = []
            var utf8 = token.utf8[...]
            while let first = utf8.first {
                if utf8.starts(with: escapedSpace) {
                    bytes.append(0x20)
                    utf8 = utf8.dropFirst(escapedSpace.count)
                } else {
                    bytes.append(first)
                    utf8 = utf8.dropFirst()
                }
            }
            return bytes
        case .unknown, .control, .userDefined:
            return Array(token.utf8)
        }
    }

    private static func mergeTable(_ merges: [String], spellings: [String: TokenID]) throws -> BPEMerges {
        var table: [UInt64: UInt64] = [:]
        table.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            guard let space = merge.firstIndex(of: " ") else {
                throw TokenizerError.malformedMerge(index: rank, merge: merge)
            }
            let left = String(merge[..<space])
            let right = String(merge[merge.index(after: space)...])
            guard !left.isEmpty, !right.isEmpty, !right.contains(" ") else {
                throw TokenizerError.malformedMerge(index: rank, merge: merge)
            }
            func id(_ token: String) throws -> TokenID {
                guard let id = spellings[token] else {
                    throw TokenizerError.mergeTokenNotInVocabulary(index: rank, merge: merge, token: token)
                }
                return id
            }
            // A repeated pair keeps its later rank, as in the reference's merge map.
            table[BPEMerges.key(try id(left), try id(right))] = UInt64(rank) << 32 | UInt64(UInt32(try id(left + right)))
        }
        let byteTokens = ByteLevelAlphabet.scalarForByte.map { spellings[String($0)] ?? -1 }
        return BPEMerges(table: table, byteTokens: byteTokens)
    }

    // MARK: Lookup

    /// The id of the token stored as `token` (byte-level spelling, or a SentencePiece piece as stored), if any.
    public func id(for token: String) -> TokenID? {
        if let pieces { return pieces.id(of: Array(token.utf8)) }
        let spelling = ByteLevelAlphabet.spells(token) ? token : ByteLevelAlphabet.spelling(of: token.utf8)
        return idsBySpelling[spelling]
    }

    /// The kind of token `id` is (nil when out of range).
    public func tokenType(of id: TokenID) -> TokenType? {
        tokenTypes.indices.contains(Int(id)) ? tokenTypes[Int(id)] : nil
    }

    /// The token as the vocabulary stores it (`Ġthe`); empty when `id` is out of range.
    public func piece(for id: TokenID) -> String {
        tokens.indices.contains(Int(id)) ? tokens[Int(id)] : ""
    }

    /// The token's bytes in a readable form: text with controls escaped (`\n`, `\t`, `\u{200B}`) and bytes
    /// that are not complete UTF-8 written `\xNN`. `" the"` reads ` the`; half of `é` reads `\xC3`.
    public func readablePiece(for id: TokenID) -> String {
        guard tokens.indices.contains(Int(id)) else { return "" }
        return ReadableBytes.describe(decodedBytes[Int(id)])
    }

    // MARK: Vocabulary

    /// The bytes `token` prints: empty for control tokens (and ids out of range).
    public func bytes(of token: TokenID) -> [UInt8] {
        guard decodedBytes.indices.contains(Int(token)), tokenTypes[Int(token)] != .control else { return [] }
        return decodedBytes[Int(token)]
    }

    /// The bytes of `token` as `decode` writes them (control tokens as their text unless skipped).
    public func decodedBytes(of token: TokenID, skipSpecial: Bool) -> [UInt8] {
        guard decodedBytes.indices.contains(Int(token)) else { return [] }
        if skipSpecial && tokenTypes[Int(token)] == .control { return [] }
        return decodedBytes[Int(token)]
    }

    // MARK: Encoding

    /// The token ids of `text`.
    /// - Parameters:
    ///   - parseSpecial: match control tokens (`<|im_start|>`) written in the text as single tokens; when
    ///     false they are ordinary text. User-defined tokens are matched either way.
    ///   - addBOS: prepend the BOS token; nil uses the file's `add_bos_token`.
    public func encode(_ text: String, parseSpecial: Bool = true, addBOS: Bool? = nil) -> [TokenID] {
        var output: [TokenID] = []
        output.reserveCapacity(text.utf8.count / 3 + 2)
        if addBOS ?? self.addBOS, let bosID { output.append(bosID) }
        var utf8 = text
        utf8.makeContiguousUTF8()
        utf8.utf8.withContiguousStorageIfAvailable { bytes in
            encodeBytes(bytes, parseSpecial: parseSpecial, into: &output)
        }
        if addEOS, let eosID { output.append(eosID) }
        return output
    }

    private func encodeBytes(_ text: UnsafeBufferPointer<UInt8>, parseSpecial: Bool, into output: inout [TokenID]) {
        if let pieces {
            encodeSentencePiece(text, pieces: pieces, parseSpecial: parseSpecial, into: &output)
            return
        }
        guard let preTokenizer else { return }
        var scanner = PreTokenScanner(rule: preTokenizer)
        var workspace = BPEMerges.Workspace()
        var table = cache.checkOut()
        defer { cache.checkIn(table) }
        var start = 0
        while start < text.count {
            let match = specialTokens.firstMatch(in: text, from: start, includeControl: parseSpecial)
            let end = match?.range.lowerBound ?? text.count
            if end > start {
                let chunk = UnsafeBufferPointer(rebasing: text[start..<end])
                scanner.scan(chunk) { range in
                    encodePreToken(
                        UnsafeBufferPointer(rebasing: chunk[range]), into: &output, workspace: &workspace, cache: &table)
                }
            }
            guard let match else { break }
            output.append(match.id)
            start = match.range.upperBound
        }
    }

    private func encodeSentencePiece(
        _ text: UnsafeBufferPointer<UInt8>, pieces: SentencePieceMerges, parseSpecial: Bool, into output: inout [TokenID]
    ) {
        var start = 0
        var afterAddedToken = true  // the start of the text counts as one, as in llama.cpp
        var fragment: [UInt8] = []
        while start < text.count {
            let match = specialTokens.firstMatch(in: text, from: start, includeControl: parseSpecial)
            let end = match?.range.lowerBound ?? text.count
            if end > start {
                fragment.removeAll(keepingCapacity: true)
                if addSpacePrefix && afterAddedToken { fragment += Self.escapedSpace }
                for byte in text[start..<end] {
                    if byte == 0x20 { fragment += Self.escapedSpace } else { fragment.append(byte) }
                }
                pieces.encode(fragment, into: &output)
                afterAddedToken = false
            }
            guard let match else { break }
            output.append(match.id)
            afterAddedToken = true
            start = match.range.upperBound
        }
    }

    /// `▁` (U+2581), SentencePiece's spelling of a space.
    private static let escapedSpace: [UInt8] = [0xE2, 0x96, 0x81]

    private func encodePreToken(
        _ bytes: UnsafeBufferPointer<UInt8>, into output: inout [TokenID], workspace: inout BPEMerges.Workspace,
        cache: inout PreTokenTable
    ) {
        // A single byte needs no merging and no cache.
        if bytes.count == 1 {
            let id = merges.byteTokens[Int(bytes[0])]
            if id >= 0 { output.append(id) }
            return
        }
        guard bytes.count <= PreTokenTable.maxKeyLength else {
            if wholePreTokensFirst, let whole = idsBySpelling[ByteLevelAlphabet.spelling(of: bytes)] {
                output.append(whole)
            } else {
                merges.encode(bytes, into: &output, workspace: &workspace)
            }
            return
        }
        let hash = cache.hash(bytes)
        if cache.appendTokens(of: bytes, hash: hash, to: &output) { return }
        let first = output.count
        if wholePreTokensFirst, let whole = idsBySpelling[ByteLevelAlphabet.spelling(of: bytes)] {
            output.append(whole)
        } else {
            merges.encode(bytes, into: &output, workspace: &workspace)
        }
        cache.insert(bytes, hash: hash, tokens: output[first...])
    }

    // MARK: Decoding

    /// The text of `ids`; bytes that do not form valid UTF-8 become U+FFFD. Control tokens print their
    /// text (`<|im_end|>`) unless `skipSpecial`; ids outside the vocabulary print nothing. With a
    /// SentencePiece space prefix, a space the text starts with is dropped (HF's decoder strips it):
    /// `▁Hello` reads "Hello".
    public func decode(_ ids: [TokenID], skipSpecial: Bool = false) -> String {
        var bytes: [UInt8] = []
        for id in ids { bytes += decodedBytes(of: id, skipSpecial: skipSpecial) }
        if addSpacePrefix, bytes.first == 0x20 { bytes.removeFirst() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A detokenizer for text generated one token at a time.
    public func streamingDetokenizer(skipSpecial: Bool = false) -> StreamingDetokenizer {
        StreamingDetokenizer(tokenizer: self, skipSpecial: skipSpecial)
    }
}
