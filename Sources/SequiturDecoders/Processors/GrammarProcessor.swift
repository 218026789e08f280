import Foundation
import SequiturCore
import SequiturGrammar

/// Constrains generation to the sentences of a grammar: each step forbids every token whose bytes cannot
/// continue the output so far, and end tokens until the output is a complete sentence. The grammar's state
/// is one number per branch, so it forks with beams and search nodes for free, and exhaustive search under it
/// returns the most likely output the grammar admits, with its certificate.
///
/// The grammar applies to the generated text only (not the prompt). Masks come from each token's bytes
/// through a trie (`TokenMasker`), cached per grammar state; the masker for a vocabulary is built on the first
/// decode and kept with the processor, so every later decode with the same model reuses it.
public struct GrammarProcessor: LogitProcessor {
    public static let registryName = "grammar"
    static let summary = "constrains output to a GBNF grammar (llama.cpp's format)"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("gbnf", .string, default: "", help: "the grammar's text (give this or file)"),
        ParameterSpec("file", .string, default: "", help: "a .gbnf file (give this or gbnf)"),
        ParameterSpec("root", .string, default: "root", help: "the start rule"),
        ParameterSpec("trimTrailingWhitespace", .boolean, default: false,
                      help: "never end on whitespace, even where the grammar allows it"),
    ]

    private let shared: SharedMasks
    private var state: GrammarAutomaton.State
    private var masker: TokenMasker?
    private var endTokens: [TokenID] = []
    /// Whether the output so far ends in whitespace (what `trimsTrailingWhitespace` forbids ending on).
    private var endsInWhitespace = false

    /// A processor for `automaton`'s grammar. With `trimsTrailingWhitespace` the output never ends in
    /// whitespace (see `TokenMasker`): what the JSON Schema processor does.
    public init(automaton: GrammarAutomaton, trimsTrailingWhitespace: Bool = false) {
        shared = SharedMasks(automaton: automaton, trimsTrailingWhitespace: trimsTrailingWhitespace)
        state = automaton.initial
    }

    /// A processor with a masker already built (for the vocabulary of the models it will decode with: one of
    /// the same size), so its token trie is not built again.
    public init(masker: TokenMasker) {
        shared = SharedMasks(automaton: masker.automaton, trimsTrailingWhitespace: masker.trimsTrailingWhitespace, prebuilt: masker)
        state = masker.automaton.initial
    }

    /// A processor for GBNF text; `GrammarError` (line and column) when it does not parse or compile.
    public init(gbnf: String, root: String = "root", trimsTrailingWhitespace: Bool = false) throws {
        self.init(automaton: try GrammarAutomaton(gbnf: gbnf, root: root), trimsTrailingWhitespace: trimsTrailingWhitespace)
    }

    public init(configuration: ProcessorConfiguration) throws {
        let (text, file) = try Self.source(configuration, textParameter: "gbnf")
        let root = try configuration.string("root")
        do {
            try self.init(gbnf: text, root: root, trimsTrailingWhitespace: try configuration.boolean("trimTrailingWhitespace"))
        } catch let e as GrammarError {
            throw DecodingError.invalidParameter(name: file == nil ? "gbnf" : "file",
                                                 message: file.map { e.in(file: $0).description } ?? e.description)
        }
    }

    // MARK: JSON Schema

    public static let jsonSchemaName = "json-schema"
    static let jsonSchemaSummary = "constrains output to JSON documents valid against a JSON Schema (a common subset)"
    public static let jsonSchemaParameters: [ParameterSpec] = [
        ParameterSpec("schema", .string, default: "", help: "the schema as JSON text (give this or file)"),
        ParameterSpec("file", .string, default: "", help: "a JSON Schema file (give this or schema)"),
    ]

    /// A processor for the JSON documents `schema` (JSON text) admits, ending at the document's last token (no
    /// trailing whitespace); `JSONSchemaError` names the pointer of a keyword it cannot honour.
    public init(jsonSchema schema: String) throws {
        try self.init(gbnf: try JSONSchemaGrammar.gbnf(schema: schema), trimsTrailingWhitespace: true)
    }

    public init(jsonSchemaConfiguration configuration: ProcessorConfiguration) throws {
        let (text, file) = try Self.source(configuration, textParameter: "schema")
        do {
            try self.init(jsonSchema: text)
        } catch let e as JSONSchemaError {
            throw DecodingError.invalidParameter(name: file == nil ? "schema" : "file",
                                                 message: (file.map { "\($0): " } ?? "") + e.description)
        }
    }

    // MARK: Regular expressions

    public static let regexName = "regex"
    static let regexSummary = "constrains output to text a regular expression matches whole (a documented subset)"
    public static let regexParameters: [ParameterSpec] = [
        ParameterSpec("pattern", .string, default: "", help: "the regular expression; the whole output must match it"),
    ]

    /// A processor for the strings `pattern` matches whole; `RegexGrammarError` gives the column of a construct
    /// outside the subset (`RegexGrammar`).
    public init(regex pattern: String) throws {
        try self.init(gbnf: try RegexGrammar.gbnf(regex: pattern))
    }

    public init(regexConfiguration configuration: ProcessorConfiguration) throws {
        let pattern = try configuration.string("pattern")
        guard !pattern.isEmpty else {
            throw DecodingError.invalidParameter(name: "pattern", message: "give the regular expression the output must match")
        }
        do {
            try self.init(regex: pattern)
        } catch let e as RegexGrammarError {
            throw DecodingError.invalidParameter(name: "pattern", message: e.description)
        }
    }

    /// The text of a grammar-like processor given inline (`textParameter`) or as a `file`: exactly one of them.
    static func source(_ configuration: ProcessorConfiguration, textParameter: String) throws -> (text: String, file: String?) {
        let text = try configuration.string(textParameter), path = try configuration.string("file")
        switch (text.isEmpty, path.isEmpty) {
        case (false, true): return (text, nil)
        case (true, false):
            guard FileManager.default.fileExists(atPath: path) else {
                throw DecodingError.invalidParameter(name: "file", message: "\(path): no such file")
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw DecodingError.invalidParameter(name: "file", message: "\(path): cannot be read")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw DecodingError.invalidParameter(name: "file", message: "\(path): is not UTF-8 text")
            }
            return (text, path)
        case (false, false):
            throw DecodingError.invalidParameter(name: textParameter, message: "give \(textParameter) or file, not both")
        case (true, true):
            throw DecodingError.invalidParameter(name: textParameter, message: "give \(textParameter) (the text) or file (a path)")
        }
    }

    public var automaton: GrammarAutomaton { shared.automaton }

    public mutating func start(_ context: ProcessorStart) {
        state = shared.automaton.initial
        endTokens = context.endTokens.sorted()
        masker = context.vocabulary.map { shared.masker(for: $0) }
    }

    /// Forbids what the grammar does not allow next. Without a vocabulary (a caller that gave
    /// `ProcessorStart` none) nothing can be matched, so every token is forbidden.
    public func process(_ logProbs: inout [Float], history: [TokenID]) {
        let saved = endTokens.filter { Int($0) < logProbs.count }.map { ($0, logProbs[Int($0)]) }
        if let masker {
            masker.allowedTokens(state).forbidOthers(in: &logProbs)
        } else {
            for i in logProbs.indices { logProbs[i] = -.infinity }
        }
        let ends = permitsFinish && masker != nil
        for (t, value) in saved { logProbs[Int(t)] = ends ? value : -.infinity }
    }

    public mutating func accept(_ token: TokenID) {
        guard let masker, !endTokens.contains(token) else { return }
        state = masker.advance(state, token: token)
        if let last = masker.trie.tokenBytes[Int(token)].last { endsInWhitespace = TokenMasker.isWhitespace(last) }
    }

    public var permitsFinish: Bool {
        shared.automaton.isAccepting(state) && !(shared.trimsTrailingWhitespace && endsInWhitespace)
    }
}

/// The automaton and the token masker built for the last vocabulary it was used with, shared by every copy and
/// fork of one processor.
private final class SharedMasks: @unchecked Sendable {
    let automaton: GrammarAutomaton
    let trimsTrailingWhitespace: Bool
    private let lock = NSLock()
    private var vocabulary: (any Vocabulary)?
    private var masker: TokenMasker?

    /// A masker given up front, used for any vocabulary of its size.
    private let prebuilt: TokenMasker?

    init(automaton: GrammarAutomaton, trimsTrailingWhitespace: Bool, prebuilt: TokenMasker? = nil) {
        self.automaton = automaton
        self.trimsTrailingWhitespace = trimsTrailingWhitespace
        self.prebuilt = prebuilt
    }

    func masker(for vocabulary: any Vocabulary) -> TokenMasker {
        lock.withLock {
            if let prebuilt, prebuilt.trie.vocabularySize == vocabulary.count { return prebuilt }
            if let masker, let known = self.vocabulary, known === vocabulary { return masker }
            let bytes = (0..<vocabulary.count).map { vocabulary.bytes(of: TokenID($0)) }
            let built = TokenMasker(automaton: automaton, tokenBytes: bytes, trimsTrailingWhitespace: trimsTrailingWhitespace)
            self.vocabulary = vocabulary
            masker = built
            return built
        }
    }
}
