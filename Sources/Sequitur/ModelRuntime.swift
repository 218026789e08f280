import Foundation
import SequiturCore
import SequiturCPU
import SequiturDecoders
import SequiturModels
import SequiturOpenCL
import SequiturScoring

/// A model ready to run: the GGUF file, its tokenizer, the chosen backend and the llama model on it, built from
/// a `SequiturConfiguration`. This is what the command line and most library users start from:
///
/// ```swift
/// let runtime = try ModelRuntime(configuration: SequiturConfiguration(backend: .cpu, threads: 2))
/// let ids = runtime.tokenizer.encode("The capital of France is")
/// let result = try runtime.makeDecoder().decode(DecodingRequest(prompt: ids), model: runtime.model)
/// ```
public final class ModelRuntime {
    public let configuration: SequiturConfiguration
    public let fileURL: URL
    public let file: GGUFFile
    public let tokenizer: BPETokenizer
    public let backend: any Backend
    public let model: LlamaModel

    public init(configuration: SequiturConfiguration) throws {
        self.configuration = configuration
        fileURL = try ModelLocator.resolve(configuration.model)
        file = try GGUFFile(contentsOf: fileURL)
        tokenizer = try BPETokenizer(gguf: file)
        backend = try Self.makeBackend(configuration)
        model = try LlamaModel(file: file, backend: backend, vocabulary: tokenizer)
    }

    /// The backend a configuration names.
    public static func makeBackend(_ configuration: SequiturConfiguration) throws -> any Backend {
        if let threads = configuration.threads, threads < 1 {
            throw ConfigurationError.invalidValue(path: "threads", message: "must be at least 1, got \(threads)")
        }
        switch configuration.backend {
        case .cpu:
            return CPUBackend(threads: configuration.threads)
        case .opencl:
            return try OpenCLBackend(deviceIndex: configuration.device)
        }
    }

    /// The configured decoder, from `registry` (the standard one unless code outside registered its own).
    public func makeDecoder(registry: DecoderRegistry = .standard) throws -> any Decoder {
        try registry.make(configuration.decoder)
    }

    /// The configured scorer.
    public func makeScorer(batchSize: Int = 16) -> any Scorer {
        SequiturScoring.makeScorer(configuration.scorer, batchSize: batchSize)
    }

    /// Splits text requests at the context boundary the way lm-evaluation-harness does.
    public var splitter: TextScoringSplitter { TextScoringSplitter(encoder: TokenizerTextEncoder(tokenizer)) }

    /// The model's chat template (from `tokenizer.chat_template`); a model without one gets an error rather than
    /// a guessed format.
    public func chatTemplate() throws -> ChatTemplate { try ChatTemplate(gguf: file) }

    /// `messages` rendered with the model's chat template, exactly as transformers' `apply_chat_template` would.
    public func renderChat(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String {
        let special = try ChatTemplate.specialTokenTexts(gguf: file)
        return try chatTemplate().render(messages: messages, addGenerationPrompt: addGenerationPrompt,
                                         bosToken: special.bos, eosToken: special.eos)
    }
}
