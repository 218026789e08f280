import SequiturCore

/// The draft model a configuration names by path (`draftModel`), before anything has loaded it: decoders
/// know nothing of model files, so `ModelRuntime.makeDecoder` replaces it with a `DraftModelSource` on the loaded
/// model. A decoder built from the registry alone keeps this one, and its first decode says why it cannot run.
public struct UnloadedDraftModel: DraftSource {
    public let path: String

    public init(path: String) { self.path = path }

    public var name: String { "draft-model" }

    public func validate(target: any LanguageModel) throws { throw notLoaded }

    public mutating func propose(after context: [TokenID], count: Int) throws -> [TokenID] { throw notLoaded }

    private var notLoaded: DecodingError {
        .invalidParameter(name: "draftModel",
                          message: "\(path) is not loaded: build the decoder with ModelRuntime.makeDecoder (as the command line does), or pass a DraftModelSource")
    }
}
