import ArgumentParser
import Sequitur

/// The decoder flags `generate` and `chat` share; they override the configuration file's decoder and stop
/// conditions. Nothing here knows a decoder by name: `--beams` sets whichever parameter a registry entry
/// declares as its width.
struct DecodingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Decoder name: \(DecoderRegistry.standard.names.joined(separator: ", ")) (default: the configuration's, else greedy).", valueName: "name"))
    var decoder: String?
    // `.unconditional`: "-2" is read as the value (and then refused as a width), not as a missing one.
    @Option(parsing: .unconditional, help: ArgumentHelp("Beam width (numBeams of \(DecoderRegistry.standard.decodersWithWidth.map(\.name).joined(separator: ", "))); implies --decoder beam when no decoder is named.", valueName: "k")) var beams: Int?
    @Option(help: ArgumentHelp("A GGUF with the model's vocabulary to draft tokens with; implies --decoder speculative when no decoder is named.", valueName: "path"))
    var draftModel: String?
    @Option(name: .customLong("param"), help: ArgumentHelp("A decoder parameter, NAME=VALUE (repeatable), e.g. lengthPenalty=0.8.", valueName: "name=value"))
    var parameters: [String] = []
    @Option(parsing: .unconditional, help: ArgumentHelp("Most tokens to generate.", valueName: "n")) var maxNewTokens: Int?
    @Option(name: .customLong("stop"), help: ArgumentHelp("Stop when the output contains this text (repeatable).", valueName: "text"))
    var stopStrings: [String] = []
    @OptionGroup(title: "Logit processors") var processors: ProcessorOptions

    /// Applies the flags to `c`. The command line shows a beam-like decoder's whole n-best, so it returns every
    /// hypothesis it keeps unless its returned count is given (transformers' default of 1 stays the library's).
    func apply(to c: inout SequiturConfiguration, registry: DecoderRegistry = .standard,
               showAllBeams: Bool = true) throws {
        if let decoder, decoder != c.decoder.name { c.decoder = DecoderConfiguration(name: decoder) }
        if let beams {
            c.decoder = try registry.settingWidth(beams, in: c.decoder, decoderIsFixed: decoder != nil)
        }
        if let draftModel {
            if decoder == nil { c.decoder = DecoderConfiguration(name: SpeculativeDecoder.registryName) }
            guard c.decoder.name == SpeculativeDecoder.registryName else {
                throw CommandError("--draft-model: only the speculative decoder drafts with a model, not \(c.decoder.name)")
            }
            c.decoder.parameters["draftModel"] = .string(draftModel)
        }
        for p in parameters {
            guard let eq = p.firstIndex(of: "="), eq != p.startIndex else {
                throw CommandError("--param '\(p)': expected NAME=VALUE")
            }
            c.decoder.parameters[String(p[..<eq])] = Self.parseValue(String(p[p.index(after: eq)...]))
        }
        if showAllBeams { c.decoder = registry.returningEveryKeptHypothesis(c.decoder) }
        if let maxNewTokens { c.stop.maxNewTokens = maxNewTokens }
        c.stop.stopStrings += stopStrings
        try processors.apply(to: &c)
        // The configuration file was checked when it was read, so what fails now is a flag's doing: say which.
        do { try c.check(decoders: registry) } catch let error as ConfigurationError {
            throw CommandError(flagWording(error, decoder: c.decoder.name, registry: registry))
        }
    }

    /// `error` with its configuration path replaced by the flag that set it (`stop.maxNewTokens` is
    /// `--max-new-tokens`, a width parameter is `--beams`, other decoder parameters `--param NAME`).
    func flagWording(_ error: ConfigurationError, decoder name: String, registry: DecoderRegistry) -> String {
        let width = (try? registry.entry(named: name))?.widthParameter
        let given = Set(parameters.compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) })
        var flags = ["stop.maxNewTokens": "--max-new-tokens"]
        for key in given { flags["decoder.parameters.\(key)"] = "--param \(key)" }
        if beams != nil, let width { flags["decoder.parameters.\(width)"] = "--beams" }
        if let path = error.path, let flag = flags[path] { return error.at(flag).description }
        if case let .unknownKey(path, key, valid) = error, path == "decoder.parameters", given.contains(key) {
            return "--param \(key): \(name) has no parameter '\(key)'; its parameters: \(valid.joined(separator: ", "))"
        }
        return decoder.map { "--decoder \($0): " + error.description } ?? error.description
    }

    /// A command-line value as the configuration would read it: integer, number, boolean, else text.
    static func parseValue(_ text: String) -> ConfigValue {
        if let i = Int(text) { return .int(i) }
        if let d = Double(text) { return .double(d) }
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        return .string(text)
    }
}
