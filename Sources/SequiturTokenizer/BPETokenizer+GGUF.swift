import SequiturCore
import SequiturGGUF

extension BPETokenizer {
    /// The tokenizer a GGUF file describes in its `tokenizer.ggml.*` metadata (a vocabulary-only file, with
    /// no tensors, is enough).
    public convenience init(gguf file: GGUFFile) throws {
        let name = try file.string("tokenizer.ggml.model")
        guard let model = Model(rawValue: name) else { throw TokenizerError.unsupportedModel(name) }
        func id(_ key: String) throws -> TokenID? {
            try file.optionalInt("tokenizer.ggml.\(key)").map { TokenID(clamping: $0) }
        }
        let endOfTurn = try [id("eot_token_id"), id("eom_token_id")].compactMap { $0 }
        try self.init(
            tokens: file.stringArray("tokenizer.ggml.tokens"),
            // SentencePiece files have scores instead of merges (a converter may still write merges: unused).
            merges: model == .byteLevel ? file.stringArray("tokenizer.ggml.merges") : [],
            tokenTypes: (file.optionalIntArray("tokenizer.ggml.token_type") ?? []).map { Int32(clamping: $0) },
            preTokenizer: file.optionalString("tokenizer.ggml.pre") ?? "default",
            bosID: id("bos_token_id"),
            eosID: id("eos_token_id"),
            unknownID: id("unknown_token_id"),
            paddingID: id("padding_token_id"),
            endOfTurnIDs: endOfTurn,
            // llama.cpp's defaults when the key is absent: BOS for SentencePiece, none for byte-level.
            addBOS: file.optionalBool("tokenizer.ggml.add_bos_token") ?? (model == .sentencePiece),
            addEOS: file.optionalBool("tokenizer.ggml.add_eos_token") ?? false,
            chatTemplate: file.optionalString("tokenizer.chat_template"),
            model: model,
            scores: model == .sentencePiece ? file.floatArray("tokenizer.ggml.scores") : [],
            addSpacePrefix: file.optionalBool("tokenizer.ggml.add_space_prefix") ?? true
        )
    }
}
