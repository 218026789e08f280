import FuzzSupport
import Sequitur

// Fuzzes the BPE tokenizers on small synthetic vocabularies: byte-level with each pre-tokenizer rule, and
// SentencePiece. Beyond not crashing, it checks the properties callers rely on: decoding an encoding gives the
// text back byte for byte, the streaming detokenizer agrees with `decode`, and pre-tokens join to their text.
//
// The first input byte picks the mode: encode/decode text, decode arbitrary ids, or build a tokenizer from a
// fuzzed vocabulary and merge list (what a hostile GGUF's tokenizer metadata reaches).

let preTokenizerNames = ["smollm", "llama-bpe", "qwen2", "qwen35", "starcoder", "falcon", "deepseek-coder", "deepseek-llm",
                         "gpt-4o", "tekken"]
let tokenizers: [BPETokenizer] = preTokenizerNames.map { name in
    do { return try TinyVocabulary.tokenizer(preTokenizer: name) } catch { fatalError("tiny vocabulary: \(error)") }
} + [sentencePieceTokenizer()]

/// `<unk>`, `<s>`, `</s>`, the 256 byte tokens and a few pieces with scores: every text can be spelled (byte
/// fallback), so encoding is lossless.
func sentencePieceTokenizer() -> BPETokenizer {
    let pieces: [(String, Float)] = [("▁", -1), ("▁t", -2), ("he", -3), ("▁the", -4), ("▁a", -5), ("an", -6),
                                     ("▁an", -7), ("d", -8), ("▁and", -9), ("e", -10), ("t", -11), ("h", -12), ("a", -13)]
    let tokens = ["<unk>", "<s>", "</s>"] + (0..<256).map { "<0x" + String($0, radix: 16, uppercase: true).leftPadded() + ">" }
        + pieces.map(\.0)
    let types: [Int32] = [2, 3, 3] + Array(repeating: 6, count: 256) + Array(repeating: 1, count: pieces.count)
    let scores: [Float] = Array(repeating: 0, count: 259) + pieces.map(\.1)
    do {
        return try BPETokenizer(tokens: tokens, merges: [], tokenTypes: types, preTokenizer: "default", bosID: 1, eosID: 2,
                                unknownID: 0, addBOS: true, model: .sentencePiece, scores: scores)
    } catch { fatalError("tiny SentencePiece vocabulary: \(error)") }
}

extension String {
    /// Two hex digits.
    func leftPadded() -> String { count == 1 ? "0" + self : self }
}

/// Builds the fixtures before the first input (see `withoutLeakTracking`).
@_cdecl("LLVMFuzzerInitialize")
public func initializeTokenizerFixtures(_ argc: UnsafeMutablePointer<CInt>?,
                                        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    withoutLeakTracking { _ = tokenizers }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let tokenizer = tokenizers[Int(input.selector >> 2) % tokenizers.count]
    switch input.selector & 3 {
    case 0, 1: checkRoundTrip(input.payloadText, tokenizer: tokenizer, parseSpecial: input.selector & 1 == 0)
    case 2: checkDecode(input.payload, tokenizer: tokenizer)
    default: buildFromFuzzedVocabulary(input.payloadText)
    }
    return 0
}

func checkRoundTrip(_ text: String, tokenizer: BPETokenizer, parseSpecial: Bool) {
    // SentencePiece puts a space after every special token it parses, which decoding keeps (as transformers
    // does): the text comes back byte for byte only when none is parsed.
    let parseSpecial = parseSpecial && tokenizer.model == .byteLevel
    let ids = tokenizer.encode(text, parseSpecial: parseSpecial, addBOS: false)
    let decoded = tokenizer.decode(ids)
    fuzzCheck(Array(decoded.utf8) == Array(text.utf8), "decode(encode(\(text.debugDescription))) = \(decoded.debugDescription)")
    var streaming = tokenizer.streamingDetokenizer()
    var streamed = ""
    for id in ids { streamed += streaming.append(id) }
    streamed += streaming.finish()
    fuzzCheck(streamed == decoded, "streaming \(streamed.debugDescription) != decode \(decoded.debugDescription)")
    if let rule = tokenizer.preTokenizer {
        let pieces = rule.split(text)
        fuzzCheck(pieces.joined() == text, "pre-tokens of \(text.debugDescription) do not join to it")
    }
}

/// Ids from the bytes, in range or not (decode prints nothing for an id outside the vocabulary).
func checkDecode(_ bytes: ArraySlice<UInt8>, tokenizer: BPETokenizer) {
    var ids: [TokenID] = []
    var iterator = bytes.makeIterator()
    while let high = iterator.next(), let low = iterator.next() {
        ids.append(TokenID(Int16(bitPattern: UInt16(high) << 8 | UInt16(low))))
    }
    _ = tokenizer.decode(ids)
    _ = tokenizer.decode(ids, skipSpecial: true)
    var streaming = tokenizer.streamingDetokenizer(skipSpecial: true)
    for id in ids { _ = streaming.append(id) }
    _ = streaming.finish()
    for id in ids.prefix(16) where id >= 0 && Int(id) < tokenizer.count {
        _ = tokenizer.readablePiece(for: id)
        _ = tokenizer.tokenType(of: id)
    }
}

/// Lines before an empty line are tokens; lines after it are merges. The tokenizer that results (if the
/// vocabulary is accepted) encodes its own token texts.
func buildFromFuzzedVocabulary(_ text: String) {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let split = lines.firstIndex(of: "") ?? lines.count
    let tokens = Array(lines[..<split])
    let merges = Array(lines[min(split + 1, lines.count)...])
    let types = tokens.map { $0.hasPrefix("<|") ? Int32(3) : Int32(1) }
    if let tokenizer = try? BPETokenizer(tokens: tokens, merges: merges, tokenTypes: types, preTokenizer: "smollm",
                                         bosID: 0, eosID: TokenID(tokens.count - 1)) {
        for token in tokens.prefix(32) { _ = tokenizer.decode(tokenizer.encode(token)) }
    }
    // The same lines as a SentencePiece vocabulary: scored by position, "<0x..." lines typed as bytes (a
    // misspelt one must be refused, not crash).
    let pieceTypes = tokens.map { $0.hasPrefix("<0x") ? Int32(6) : $0.hasPrefix("<|") ? Int32(3) : Int32(1) }
    let scores = tokens.indices.map { -Float($0) }
    if let pieces = try? BPETokenizer(tokens: tokens, merges: [], tokenTypes: pieceTypes, preTokenizer: "default",
                                      bosID: 0, eosID: TokenID(tokens.count - 1), model: .sentencePiece, scores: scores) {
        for token in tokens.prefix(32) { _ = pieces.decode(pieces.encode(token)) }
    }
}
