import Foundation
import SequiturCore
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import SequiturArchitectures
import Testing

/// The fast encoder (heap-ordered merges, open-addressing merge table, pre-token cache) against a plain
/// reference BPE written here — rescan for the lowest-ranked adjacent pair, leftmost on a tie, merge,
/// repeat — on random texts of awkward lengths, including one with more distinct words than the cache holds
/// (65,536), so that it is emptied and refilled mid-text. Needs no model.
struct TokenizerBPEReferenceTests {
    /// Merges that chain and compete (equal neighbours, overlapping pairs, merges of merges).
    static let merges = [
        "a b", "Ġ a", "b c", "a a", "Ġa b", "c a", "ab c", "Ġ Ġ", "aa a", "Ã ©", "é a", "Ġ é", "bc bc", "ca b",
    ]

    static func tokenizer() throws -> BPETokenizer {
        let vocabulary = TokenizerTestSupport.smallVocabulary(merges: merges)
        return try BPETokenizer(tokens: vocabulary.tokens, merges: merges, tokenTypes: vocabulary.types, preTokenizer: "gpt-2")
    }

    static func reference(_ text: String, _ tokenizer: BPETokenizer) -> [TokenID] {
        let rank = Dictionary(uniqueKeysWithValues: merges.enumerated().map { ($1, $0) })
        var ids: [TokenID] = []
        for piece in PreTokenizer.gpt2.split(text) {
            var symbols = piece.utf8.map { TokenizerTestSupport.byteSpellings[Int($0)] }
            while symbols.count > 1 {
                var best: (rank: Int, index: Int)?
                for i in 0..<(symbols.count - 1) {
                    if let r = rank[symbols[i] + " " + symbols[i + 1]], r < best?.rank ?? .max { best = (r, i) }
                }
                guard let best else { break }
                symbols.replaceSubrange(best.index...(best.index + 1), with: [symbols[best.index] + symbols[best.index + 1]])
            }
            ids += symbols.map { tokenizer.id(for: $0)! }
        }
        return ids
    }

    @Test func randomTextsMatchThePlainReference() throws {
        let tokenizer = try Self.tokenizer()
        var random = SplitMix64(seed: 0x5EC0_17E2)
        let alphabet: [String] = ["a", "a", "b", "c", " ", " ", "é", "e\u{301}", "日", "1", "!", "\n"]
        for length in [1, 2, 3, 7, 31, 97, 333, 1_001] {
            for _ in 0..<5 {
                let text = (0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }.joined()
                let ids = tokenizer.encode(text)
                #expect(ids == Self.reference(text, tokenizer), "\(text.debugDescription.prefix(80))")
                #expect(tokenizer.encode(text) == ids, "a cached second encode differs")
                #expect(Array(tokenizer.decode(ids).utf8) == Array(text.utf8))
            }
        }
    }

    /// 70,000 distinct words overflow the pre-token cache; every word still encodes as the reference says.
    @Test func moreDistinctWordsThanTheCacheHolds() throws {
        let tokenizer = try Self.tokenizer()
        let words = (0..<70_000).map { n -> String in
            var word = ""
            var k = n + 1
            while k > 0 {
                word.append(["a", "b", "c"][k % 3])
                k /= 3
            }
            return " " + word
        }
        let expected = words.flatMap { Self.reference($0, tokenizer) }
        let text = words.joined()
        #expect(tokenizer.encode(text) == expected)
        #expect(tokenizer.encode(text) == expected, "after the cache was emptied and refilled")
    }

    /// Encoding from several threads at once (each call checks the shared cache out, or gets its own)
    /// gives what one thread gives.
    @Test func concurrentCallsAgree() throws {
        let tokenizer = try Self.tokenizer()
        let texts = (0..<16).map { i in String(repeating: "ab ca bc aab é\(i) ", count: 50 + i) }
        let expected = texts.map { Self.reference($0, tokenizer) }
        let results = ConcurrentResults(count: texts.count)
        DispatchQueue.concurrentPerform(iterations: texts.count) { i in results.set(i, tokenizer.encode(texts[i])) }
        #expect(results.values == expected)
    }
}

/// Results written by `concurrentPerform` iterations, each to its own index under a lock.
private final class ConcurrentResults: @unchecked Sendable {
    // Sendable: `storage` is only touched with `lock` held.
    private var storage: [[TokenID]]
    private let lock = NSLock()

    init(count: Int) { storage = Array(repeating: [], count: count) }

    func set(_ index: Int, _ ids: [TokenID]) {
        lock.lock()
        storage[index] = ids
        lock.unlock()
    }

    var values: [[TokenID]] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}
