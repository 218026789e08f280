import SequiturCore

/// Setting a decoder's width (how many hypotheses it keeps at each step) by what the registry entries declare,
/// not by decoder or parameter name: `--beams K` and compare-decoders' `NAME:K` go through here, so a decoder
/// registered from outside with a `widthParameter` gets them too.
extension DecoderRegistry {
    /// The decoders that declare a width parameter, sorted by name.
    public var decodersWithWidth: [Entry] { all.filter { $0.widthParameter != nil } }

    /// `configuration` with its width set to `width`.
    ///
    /// When `decoderIsFixed` (the user named the decoder), that decoder must declare a width parameter. Otherwise
    /// a configured decoder that declares one keeps its settings and takes the width; any other is replaced by
    /// the registry's decoder that declares a width (so `--beams 4` alone means beam search), which must be the
    /// only one, else the caller has to name it. Errors are `ConfigurationError`s on `decoder.name`.
    public func settingWidth(_ width: Int, in configuration: DecoderConfiguration,
                             decoderIsFixed: Bool) throws -> DecoderConfiguration {
        var c = configuration
        if let parameter = (try? entry(named: c.name))?.widthParameter {
            c.parameters[parameter] = .int(width)
            return c
        }
        let candidates = decodersWithWidth
        let names = candidates.map(\.name).joined(separator: ", ")
        if decoderIsFixed {
            _ = try entry(named: c.name)   // an unknown name is reported as such
            throw ConfigurationError.invalidValue(
                path: "decoder.name",
                message: "'\(c.name)' has no width parameter; decoders with one: \(names.isEmpty ? "none" : names)")
        }
        // A width alone (`--beams 4`) means beam search, the decoder "width" names, when several have one.
        let chosen = candidates.count == 1 ? candidates.first : candidates.first { $0.name == BeamSearchDecoder.registryName }
        guard let only = chosen, let parameter = only.widthParameter else {
            throw ConfigurationError.invalidValue(
                path: "decoder.name",
                message: candidates.isEmpty ? "no registered decoder has a width parameter"
                    : "several decoders have a width parameter (\(names)); name one")
        }
        c = DecoderConfiguration(name: only.name)
        c.parameters[parameter] = .int(width)
        return c
    }

    /// `configuration` returning every hypothesis it keeps: for a decoder that declares both a width and a
    /// returned-sequences parameter, the returned count is set to the width (given or default) unless it was
    /// set already. The command line prints beam search's whole n-best this way, while the library keeps
    /// transformers' default of returning one.
    public func returningEveryKeptHypothesis(_ configuration: DecoderConfiguration) -> DecoderConfiguration {
        guard let e = try? entry(named: configuration.name), let width = e.widthParameter,
              let returned = e.returnedSequencesParameter, configuration.parameters[returned] == nil else {
            return configuration
        }
        var c = configuration
        c.parameters[returned] = c.parameters[width] ?? e.parameters.first { $0.name == width }!.defaultValue
        return c
    }
}
