import FuzzSupport
import Sequitur

// Fuzzes the BPE tokenizer on a small synthetic vocabulary, one per pre-tokenizer rule. Beyond not crashing,
// it checks the properties callers rely on: decoding an encoding gives the text back byte for byte, the
// streaming detokenizer agrees with `decode`, and pre-tokens join to their text.
//
// The first input byte picks the mode: encode/decode text, decode arbitrary ids, or build a tokenizer from a
// fuzzed vocabulary and merge list (what a hostile GGUF's tokenizer metadata reaches).

let preTokenizerNames = ["smollm", "llama-bpe", "qwen2"]
let tokenizers: [BPETokenizer] = preTokenizerNames.map { name in
    do { return try TinyVocabulary.tokenizer(preTokenizer: name) } catch { fatalError("tiny vocabulary: \(error)") }
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
    let ids = tokenizer.encode(text, parseSpecial: parseSpecial, addBOS: false)
    let decoded = tokenizer.decode(ids)
    fuzzCheck(Array(decoded.utf8) == Array(text.utf8), "decode(encode(\(text.debugDescription))) = \(decoded.debugDescription)")
    var streaming = tokenizer.streamingDetokenizer()
    var streamed = ""
    for id in ids { streamed += streaming.append(id) }
    streamed += streaming.finish()
    fuzzCheck(streamed == decoded, "streaming \(streamed.debugDescription) != decode \(decoded.debugDescription)")
    let pieces = tokenizer.preTokenizer.split(text)
    fuzzCheck(pieces.joined() == text, "pre-tokens of \(text.debugDescription) do not join to it")
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
    guard let tokenizer = try? BPETokenizer(tokens: tokens, merges: merges, tokenTypes: types, preTokenizer: "smollm",
                                            bosID: 0, eosID: TokenID(tokens.count - 1)) else { return }
    for token in tokens.prefix(32) { _ = tokenizer.decode(tokenizer.encode(token)) }
}
