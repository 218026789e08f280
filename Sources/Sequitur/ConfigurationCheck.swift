import SequiturCore
import SequiturDecoders

extension SequiturConfiguration {
    /// Checks every value that can be checked without a model: the decoder and its parameters (built once from
    /// `decoders`), the logit processors and theirs (built once from `processors`), `stop.maxNewTokens` and
    /// `threads`. Errors carry the field's whole path (`stop.maxNewTokens`, `decoder.parameters.numBeams`,
    /// `processors[1].parameters.penalty`), so `ConfigurationLoader` can add the file and a command line can
    /// tell its flags' mistakes from the file's. Token ids are checked against the vocabulary when decoding.
    public func check(decoders: DecoderRegistry = .standard, processors: ProcessorRegistry = .standard) throws {
        if let threads, threads < 1 {
            throw ConfigurationError.invalidValue(path: "threads", message: "must be at least 1, got \(threads)")
        }
        if stop.maxNewTokens < 1 {
            throw ConfigurationError.invalidValue(path: "stop.maxNewTokens", message: "must be at least 1, got \(stop.maxNewTokens)")
        }
        _ = try decoders.make(decoder)
        _ = try processors.make(self.processors)
    }
}
