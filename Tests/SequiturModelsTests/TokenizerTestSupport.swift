import Foundation
import SequiturCore
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import SequiturArchitectures
import Testing

/// Shared pieces of the tokenizer tests: the committed fixtures, the default model's tokenizer (loaded
/// once), and a small hand-built byte-level vocabulary.
enum TokenizerTestSupport {
    static var fixturesDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/tokenizer")
    }

    struct LoadFailure: Error, CustomStringConvertible { let description: String }

    private static let loaded: Result<BPETokenizer, LoadFailure> = {
        do {
            return .success(try BPETokenizer(gguf: GGUFFile(contentsOf: GGUFTestSupport.defaultModelURL)))
        } catch {
            return .failure(LoadFailure(description: "loading the default model's tokenizer: \(error)"))
        }
    }()

    /// The default model's tokenizer; records a failure (and throws) when the model is missing.
    static func defaultModelTokenizer() throws -> BPETokenizer {
        _ = try GGUFTestSupport.requireDefaultModel()
        return try loaded.get()
    }

    /// One entry of corpus.json (scripts/reference/tokenizer_corpus.py).
    struct CorpusEntry: Decodable {
        let category: String
        let text: String
        /// transformers' ids with special parsing on.
        let ids: [TokenID]
        /// With special parsing off; the file omits it where it equals `ids`.
        private let idsPlainIfDifferent: [TokenID]?
        /// Whether transformers' decode gives `text` back byte for byte.
        let lossless: Bool
        /// transformers' decode, present only where it is not `text`.
        private let decodedIfDifferent: String?

        var idsPlain: [TokenID] { idsPlainIfDifferent ?? ids }
        var decoded: String { decodedIfDifferent ?? text }

        enum CodingKeys: String, CodingKey {
            case category, text, ids, lossless
            case idsPlainIfDifferent = "ids_plain"
            case decodedIfDifferent = "decoded"
        }
    }

    private struct CorpusFile: Decodable { let entries: [CorpusEntry] }

    private static let loadedCorpus: Result<[CorpusEntry], LoadFailure> = {
        do {
            let data = try Data(contentsOf: fixturesDirectory.appendingPathComponent("corpus.json"))
            return .success(try JSONDecoder().decode(CorpusFile.self, from: data).entries)
        } catch {
            return .failure(LoadFailure(description: "reading Fixtures/tokenizer/corpus.json: \(error)"))
        }
    }()

    /// The committed corpus, read once.
    static func corpus() throws -> [CorpusEntry] { try loadedCorpus.get() }

    /// A GGUF file holding only tokenizer metadata (no tensors), built from `metadata` in order.
    static func vocabularyOnlyGGUF(_ metadata: [(String, GGUFValue)]) throws -> GGUFFile {
        let writer = try GGUFWriter()
        for (key, value) in metadata { try writer.addMetadata(key, value) }
        return try GGUFFile(bytes: writer.serialized())
    }

    /// GPT-2's byte-level spelling of each byte, in byte order (the first 256 tokens of the small vocabularies).
    static let byteSpellings: [String] = {
        func itself(_ b: Int) -> Bool { (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b) }
        var shifted = 256
        return (0..<256).map { byte in
            if itself(byte) { return String(Unicode.Scalar(UInt8(byte))) }
            defer { shifted += 1 }
            return String(Unicode.Scalar(UInt32(shifted))!)
        }
    }()

    /// A vocabulary of the 256 byte tokens plus the results of `merges`, then `extra` tokens of the given types.
    static func smallVocabulary(merges: [String], extra: [(String, TokenType)] = [], omittingBytes: Set<UInt8> = [])
        -> (tokens: [String], types: [Int32])
    {
        var tokens = byteSpellings.enumerated().filter { !omittingBytes.contains(UInt8($0.offset)) }.map(\.element)
        for merge in merges {
            let parts = merge.split(separator: " ").map(String.init)
            let joined = parts.joined()
            if !tokens.contains(joined) { tokens.append(joined) }
        }
        var types = [Int32](repeating: TokenType.normal.rawValue, count: tokens.count)
        for (token, type) in extra {
            tokens.append(token)
            types.append(type.rawValue)
        }
        return (tokens, types)
    }

    /// UTF-8 bytes, for comparisons that must not treat canonically equivalent strings (NFC/NFD) as equal.
    static func utf8(_ s: String) -> [UInt8] { Array(s.utf8) }
}
