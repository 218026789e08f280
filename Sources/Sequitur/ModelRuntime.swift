import Foundation
import SequiturCore
import SequiturCPU
import SequiturDecoders
import SequiturGGUF
import SequiturTokenizer
import SequiturArchitectures
import SequiturScoring

/// A model ready to run: the GGUF file, its tokenizer, the configured backend and the model on it, built from
/// a `SequiturConfiguration`. This is what the command line and most library users start from:
///
/// ```swift
/// let runtime = try ModelRuntime(configuration: SequiturConfiguration(backend: "cpu", threads: 2))
/// let ids = runtime.tokenizer.encode("The capital of France is")
/// let result = try runtime.makeDecoder().decode(DecodingRequest(prompt: ids), model: runtime.model)
/// ```
///
/// The backend comes from `backends` by the configuration's name and the model from `architectures` by the
/// file's `general.architecture`: code outside Sequitur registers its own in either.
public final class ModelRuntime {
    public let configuration: SequiturConfiguration
    public let fileURL: URL
    public let file: GGUFFile
    public let tokenizer: BPETokenizer
    public let backend: any Backend
    public let model: any LanguageModel
    /// Where a draft model's architecture is looked up (the registry this runtime was built with).
    private let architectures: ArchitectureRegistry

    public init(configuration: SequiturConfiguration, backends: BackendRegistry = .standard,
                architectures: ArchitectureRegistry = .standard) throws {
        self.configuration = configuration
        self.architectures = architectures
        fileURL = try ModelLocator.resolve(configuration.model)
        file = try GGUFFile(contentsOf: fileURL)
        // The architecture is checked before a backend is opened, so a file no one can run fails fast.
        let architecture = try architectures.plugin(for: file)
        tokenizer = try BPETokenizer(gguf: file)
        backend = try backends.make(configuration.backend, options: configuration.backendOptions)
        model = try architecture.factory(file, backend, tokenizer)
    }

    /// The configured decoder, from `registry` (the standard one unless code outside registered its own). A
    /// speculative decoder with a `draftModel` gets that model loaded here, on this runtime's backend; its
    /// vocabulary must be the target's (checked when it decodes).
    public func makeDecoder(registry: DecoderRegistry = .standard) throws -> any Decoder {
        let c = configuration.decoder
        guard c.name == SpeculativeDecoder.registryName, case let .string(path)? = c.parameters["draftModel"], !path.isEmpty else {
            return try registry.make(c)
        }
        var promptLookup = c
        promptLookup.parameters["draftModel"] = nil
        let checked = try DecoderRegistry.complete(promptLookup, against: SpeculativeDecoder.parameters)
        let draftFile: GGUFFile
        do {
            draftFile = try GGUFFile(contentsOf: ModelLocator.resolve(path))
        } catch {
            throw ConfigurationError.invalidValue(path: "decoder.parameters.draftModel", message: "\(path): \(error)")
        }
        let draftModel = try architectures.plugin(for: draftFile).factory(draftFile, backend, try BPETokenizer(gguf: draftFile))
        return try SpeculativeDecoder(draft: DraftModelSource(model: draftModel), numDraftTokens: try checked.integer("numDraftTokens"),
                                      temperature: try checked.number("temperature"),
                                      seed: UInt64(bitPattern: Int64(try checked.integer("seed"))))
    }

    /// The configured logit processors, in order, from `registry` (the standard one unless code outside
    /// registered its own): what goes in `DecodingRequest.processors`.
    public func makeProcessors(registry: ProcessorRegistry = .standard) throws -> [any LogitProcessor] {
        try registry.make(configuration.processors)
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

    /// `messages` rendered with the model's chat template, exactly as transformers' `apply_chat_template` would
    /// (`extraVariables` are its keyword arguments, such as Qwen 3's `enable_thinking`).
    public func renderChat(_ messages: [ChatMessage], addGenerationPrompt: Bool,
                           extraVariables: [String: ChatTemplateVariable] = [:]) throws -> String {
        let special = try ChatTemplate.specialTokenTexts(gguf: file)
        return try chatTemplate().render(messages: messages, addGenerationPrompt: addGenerationPrompt,
                                         bosToken: special.bos, eosToken: special.eos, extraVariables: extraVariables)
    }

    /// The tokens of `renderChat`, as `apply_chat_template(tokenize=True)` gives them: special tokens in the
    /// text parsed, and no BOS added beyond the one a template writes itself (Llama's and Mistral's do, so
    /// adding the file's BOS as well would double it).
    public func chatPrompt(_ messages: [ChatMessage], addGenerationPrompt: Bool = true,
                           extraVariables: [String: ChatTemplateVariable] = [:]) throws -> [TokenID] {
        tokenizer.encode(try renderChat(messages, addGenerationPrompt: addGenerationPrompt, extraVariables: extraVariables),
                         parseSpecial: true, addBOS: false)
    }
}
