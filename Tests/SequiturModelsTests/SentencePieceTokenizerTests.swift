import Foundation
import SequiturCore
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import SequiturScoring
import Sequitur
import Testing

/// SentencePiece BPE (`tokenizer.ggml.model = llama`) on a vocabulary small enough to reason about by hand;
/// llama.cpp's own cases for real vocabularies are in `LlamaCppVocabularyTests`.
struct SentencePieceTokenizerTests {
    /// `<unk>`, `<s>`, `</s>`, the 256 byte tokens, then text pieces with their scores.
    static func metadata(
        pieces: [(String, Float)], replacing changes: [String: GGUFValue?] = [:], extraTypes: [Int32] = []
    ) -> [(String, GGUFValue)] {
        let bytes = (0..<256).map { String(format: "<0x%02X>", $0) }
        let tokens = ["<unk>", "<s>", "</s>"] + bytes + pieces.map(\.0)
        let types: [Int32] = [2, 3, 3] + Array(repeating: 6, count: 256) + Array(repeating: 1, count: pieces.count)
        let scores: [Float] = [0, 0, 0] + Array(repeating: 0, count: 256) + pieces.map(\.1)
        let base: [(String, GGUFValue)] = [
            ("tokenizer.ggml.model", .string("llama")),
            ("tokenizer.ggml.tokens", .array(.string(tokens))),
            ("tokenizer.ggml.token_type", .array(.int32(types))),
            ("tokenizer.ggml.scores", .array(.float32(scores))),
            ("tokenizer.ggml.bos_token_id", .uint32(1)),
            ("tokenizer.ggml.eos_token_id", .uint32(2)),
            ("tokenizer.ggml.unknown_token_id", .uint32(0)),
        ]
        var result: [(String, GGUFValue)] = []
        for (key, value) in base {
            if let change = changes[key] { if let change { result.append((key, change)) } } else { result.append((key, value)) }
        }
        for (key, value) in changes where !base.contains(where: { $0.0 == key }) {
            if let value { result.append((key, value)) }
        }
        return result
    }

    static let pieces: [(String, Float)] = [
        ("▁", -1), ("a", -2), ("b", -2), ("c", -2), ("ab", -3), ("bc", -4), ("▁ab", -5), ("▁a", -6),
    ]

    static func tokenizer(_ pieces: [(String, Float)] = pieces, replacing changes: [String: GGUFValue?] = [:]) throws -> BPETokenizer {
        try BPETokenizer(gguf: TokenizerTestSupport.vocabularyOnlyGGUF(metadata(pieces: pieces, replacing: changes)))
    }

    /// The ids of `names` in `tokenizer`.
    static func ids(_ tokenizer: BPETokenizer, _ names: String...) throws -> [TokenID] {
        try names.map { try #require(tokenizer.id(for: $0), "\($0) is not a token") }
    }

    @Test func higherScoresMergeFirstAndTiesGoLeft() throws {
        let t = try Self.tokenizer()
        #expect(t.model == .sentencePiece && t.addBOS && t.preTokenizer == nil)
        // "▁abc": ▁+a is not offered before a+b ("ab" -3 beats "▁a" -6 and "bc" -4); then ▁+ab makes "▁ab".
        #expect(t.encode("abc", addBOS: false) == (try Self.ids(t, "▁ab", "c")))
        // With "bc" scored above "ab", b merges right instead: ▁ a bc, then ▁+a.
        let bcFirst = try Self.tokenizer([("▁", -1), ("a", -2), ("b", -2), ("c", -2), ("ab", -3), ("bc", -1), ("▁a", -6)])
        #expect(bcFirst.encode("abc", addBOS: false) == (try Self.ids(bcFirst, "▁a", "bc")))
        // Equal scores: the leftmost pair merges first ("ab" before "bc" in "abc").
        let tie = try Self.tokenizer([("▁", -1), ("a", -2), ("b", -2), ("c", -2), ("ab", -3), ("bc", -3)])
        #expect(tie.encode("abc", addBOS: false) == (try Self.ids(tie, "▁", "ab", "c")))
    }

    @Test func spacePrefixBOSAndByteFallback() throws {
        let t = try Self.tokenizer()
        let (bos, unknown) = (TokenID(1), TokenID(0))
        // BOS by default; the prefix space starts the text.
        #expect(t.encode("ab") == [bos] + (try Self.ids(t, "▁ab")))
        // "é" is not a piece: its two UTF-8 bytes, as byte tokens (id = 3 + byte).
        #expect(t.encode("aé", addBOS: false) == (try Self.ids(t, "▁a")) + [3 + 0xC3, 3 + 0xA9])
        // An added token starts a new fragment, which gets the prefix again; not parsed, it is text.
        #expect(t.encode("ab</s>ab", parseSpecial: true, addBOS: false) == (try Self.ids(t, "▁ab")) + [2] + (try Self.ids(t, "▁ab")))
        // The unknown token is matched like a control token, only when special tokens are parsed.
        #expect(t.encode("<unk>", parseSpecial: true, addBOS: false) == [unknown])
        #expect(t.encode("", addBOS: false) == [])
        // With the prefix switched off, a leading word has no ▁.
        let noPrefix = try Self.tokenizer(replacing: ["tokenizer.ggml.add_space_prefix": .bool(false)])
        #expect(noPrefix.encode("ab", addBOS: false) == (try Self.ids(noPrefix, "ab")))
        #expect(noPrefix.decode(try Self.ids(noPrefix, "▁ab")) == " ab")
    }

    @Test func decodingDropsThePrefixSpaceOnceAndStreamsTheSame() throws {
        let t = try Self.tokenizer()
        let ids = t.encode("ab ab é", addBOS: true)
        // HF strips one space from the start of the whole text: with BOS printed, the text starts with "<".
        #expect(t.decode(ids) == "<s> ab ab é")
        #expect(t.decode(ids, skipSpecial: true) == "ab ab é")
        var stream = t.streamingDetokenizer(skipSpecial: true)
        #expect(ids.map { stream.append($0) }.joined() + stream.finish() == "ab ab é")
        // Byte tokens decode to their bytes; a lone half of a character is held back until completed.
        var halves = t.streamingDetokenizer()
        #expect(halves.append(3 + 0xC3) == "" && halves.append(3 + 0xA9) == "é")
        #expect(t.bytes(of: try Self.ids(t, "▁ab")[0]) == Array(" ab".utf8))
    }

    static let badMetadata: [(String, [String: GGUFValue?], [String])] = [
        ("no scores", ["tokenizer.ggml.scores": nil], ["tokenizer.ggml.scores", "missing"]),
        ("scores too short", ["tokenizer.ggml.scores": .array(.float32([0, 0]))], ["tokenizer.ggml.scores", "2 entries"]),
        ("NaN score", ["tokenizer.ggml.scores": .array(.float32([0, .nan] + Array(repeating: 0, count: 265)))],
         ["tokenizer.ggml.scores[1]", "finite"]),
        ("byte token misspelt", ["tokenizer.ggml.token_type": .array(.int32([2, 3, 6] + Array(repeating: 6, count: 256) + Array(repeating: 1, count: 8)))],
         ["tokenizer.ggml.tokens[2]", "'</s>'", "<0xNN>"]),
        ("unknown model", ["tokenizer.ggml.model": .string("bert")], ["tokenizer.ggml.model", "'bert'", "gpt2", "llama"]),
    ]

    @Test(arguments: badMetadata.indices)
    func badMetadataThrowsAnErrorNamingIt(_ index: Int) throws {
        let (name, changes, mentions) = Self.badMetadata[index]
        do {
            _ = try Self.tokenizer(replacing: changes)
            Issue.record("\(name): no error")
        } catch {
            let description = String(describing: error)
            for mention in mentions {
                #expect(description.contains(mention), "\(name): '\(description)' does not mention \(mention)")
            }
        }
    }
}

/// The `sentencepiece` library's own ids for llama.cpp's SentencePiece test vocabularies, over the tokenizer
/// corpus and chat renderings with special tokens parsed (`scripts/reference/sentencepiece_fixtures.py`; it
/// says why sentencepiece, not transformers' GGUF loader, is the reference here). Texts without special tokens
/// must also decode back to themselves.
@Suite struct SentencePieceReferenceTests {
    struct Case: Decodable {
        var text: String
        var ids: [TokenID]
    }

    struct Vocabulary: Decodable {
        var name: String
        var cases: [Case]
    }

    struct Fixture: Decodable { var vocabularies: [Vocabulary] }

    static func fixture() throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: LlamaCppVocabularyTests.directory
            .deletingLastPathComponent().appendingPathComponent("tokenizer/sentencepiece.json")))
    }

    @Test(arguments: ["llama-spm", "phi-3"])
    func matchesSentencePiece(_ name: String) throws {
        let vocabulary = try #require(try Self.fixture().vocabularies.first { $0.name == name })
        guard let url = LlamaCppVocabularyTests.vocabularyFile(name) else {
            if LlamaCppVocabularyTests.requireFetched { Issue.record("ggml-vocab-\(name).gguf not fetched: run ./scripts/bootstrap") }
            return
        }
        let tokenizer = try BPETokenizer(gguf: try GGUFFile(contentsOf: url))
        #expect(vocabulary.cases.count > 400)
        var passed = 0, roundTrips = 0
        for c in vocabulary.cases {
            let ids = tokenizer.encode(c.text, parseSpecial: true, addBOS: false)
            #expect(ids == c.ids, "\(name): \(c.text.debugDescription.prefix(60))")
            if ids == c.ids { passed += 1 }
            if c.ids.allSatisfy({ tokenizer.tokenType(of: $0) == .normal || tokenizer.tokenType(of: $0) == .byte }) {
                #expect(tokenizer.decode(c.ids) == c.text, "\(name): decoding \(c.text.debugDescription.prefix(60))")
                roundTrips += 1
            }
        }
        #expect(roundTrips > 300)
        print("SentencePiece reference \(name): \(passed)/\(vocabulary.cases.count) cases equal sentencepiece (\(roundTrips) round trips)")
    }
}

/// Chat with a SentencePiece vocabulary: Phi-3.5's template over phi-3's vocabulary. The prefix space the
/// tokenizer puts after each special token is not in the rendered text, and the offsets must say so.
@Suite struct SentencePieceChatTests {
    /// The fetched vocabulary `name` and a renderer of `template` over it; nil (a recorded issue on CI) when
    /// the vocabulary is not fetched.
    static func renderer(vocabulary name: String, template fixture: ChatFixtures.Template) throws
        -> (BPETokenizer, ChatTemplateConversationRenderer)?
    {
        guard let url = LlamaCppVocabularyTests.vocabularyFile(name) else {
            if LlamaCppVocabularyTests.requireFetched { Issue.record("ggml-vocab-\(name).gguf not fetched: run ./scripts/bootstrap") }
            return nil
        }
        let tokenizer = try BPETokenizer(gguf: try GGUFFile(contentsOf: url))
        return (tokenizer, ChatTemplateConversationRenderer(
            template: try ChatTemplate(source: fixture.template), tokenizer: tokenizer,
            bosToken: fixture.bos_token, eosToken: fixture.eos_token))
    }

    @Test func renderedConversationsTokenizeAndAlign() throws {
        let fixture = try #require(try ChatFixtures.families.first { $0.name == "phi3.5" })
        guard let (tokenizer, renderer) = try Self.renderer(vocabulary: "phi-3", template: fixture) else { return }
        for c in fixture.cases {
            let text = try #require(c.expected)
            let tokenized = try renderer.tokenize(text)
            #expect(tokenized.tokens == tokenizer.encode(text, parseSpecial: true, addBOS: false))
            let bytes = Array(text.utf8)
            for (i, token) in tokenized.tokens.enumerated() {
                let spelled = Array(bytes[tokenized.boundaries[i]..<tokenized.boundaries[i + 1]])
                let piece = tokenizer.decodedBytes(of: token, skipSpecial: false)
                #expect(piece == spelled || piece == [0x20] + spelled, "\(c.name): token \(i)")
            }
        }
        // Phi-3.5's template ends a conversation that is not awaiting a reply with EOS, so a conversation cut
        // after a turn is not a prefix of the whole; the turn still ends where the two part, after `<|end|>`.
        let messages: [ChatMessage] = [.user("Name a colour."), .assistant("Blue."), .user("Another?"), .assistant("Green.")]
        let layout = try ConversationLayout(messages: messages, renderer: renderer, includeEndOfTurn: true)
        #expect(layout.turns.count == 2)
        for (turn, content) in zip(layout.turns, ["Blue.", "Green."]) {
            #expect(tokenizer.decode(Array(layout.tokens[turn.tokenRange])) == content + "<|end|>")
        }
    }

    /// Mistral's template over llama-spm's vocabulary: each assistant turn's tokens spell its content (the
    /// space after `</s>` shares a token with the next `[INST]`, so the turn's rendered end moves back to `</s>`).
    @Test func assistantTurnsAreLocated() throws {
        let fixture = try #require(try ChatFixtures.others.first { $0.name == "mistral" })
        guard let (tokenizer, renderer) = try Self.renderer(vocabulary: "llama-spm", template: fixture) else { return }
        let messages: [ChatMessage] = [.user("Name a colour."), .assistant("Blue."), .user("Another?"), .assistant("Green.")]
        let layout = try ConversationLayout(messages: messages, renderer: renderer, includeEndOfTurn: false)
        #expect(layout.turns.count == 2)
        for (turn, content) in zip(layout.turns, ["Blue.", "Green."]) {
            #expect(tokenizer.decode(Array(layout.tokens[turn.tokenRange])) == content)
        }
    }
}
