import SequiturGGUF
import SequiturJinja
extension ChatTemplate {
    /// The GGUF metadata key that holds a model's Jinja chat template.
    public static let ggufKey = "tokenizer.chat_template"

    /// The chat template stored in a model file. Throws `GGUFError.missingKey` when the model has none (a base
    /// model, say): callers then need a template of their own rather than a guessed format.
    public init(gguf file: GGUFFile) throws {
        try self.init(source: try file.string(Self.ggufKey))
    }

    /// The texts the template's `bos_token` and `eos_token` stand for: the vocabulary entries
    /// (`tokenizer.ggml.tokens`) of `tokenizer.ggml.bos_token_id` / `eos_token_id`, or "" when the model names none.
    public static func specialTokenTexts(gguf file: GGUFFile) throws -> (bos: String, eos: String) {
        let tokens = try file.array("tokenizer.ggml.tokens")
        func text(_ key: String) throws -> String {
            guard file.metadata[key] != nil else { return "" }
            let id = try file.int(key)
            guard id >= 0, id < tokens.count, case let .string(s) = tokens[id] else {
                throw GGUFError.valueOutOfRange(key: key, value: String(id),
                                                expected: "a string token id below \(tokens.count)")
            }
            return s
        }
        return (try text("tokenizer.ggml.bos_token_id"), try text("tokenizer.ggml.eos_token_id"))
    }
}
