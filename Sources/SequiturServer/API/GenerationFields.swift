import Foundation
import Sequitur

/// The fields completions and chat completions share — how many tokens, which decoder, which processors, when
/// to stop — read into the engine's terms. OpenAI's `temperature`/`top_p`/`seed` choose greedy (temperature 0)
/// or sampling; Sequitur's `decoder: {name, parameters}` runs any registered decoder instead.
struct GenerationFields {
    var maxTokens: Int
    var n: Int
    var stop: [String]
    var decoder: DecoderConfiguration
    var processors: [ProcessorConfiguration]

    /// Reads the shared fields. `maxTokensKeys` are the names the route accepts for the token limit, in order
    /// of precedence (chat takes `max_completion_tokens` and the older `max_tokens`).
    static func read(_ f: inout RequestFields, maxTokensKeys: [String], defaultMaxTokens: Int,
                     decoders: DecoderRegistry) throws -> GenerationFields {
        var maxTokens: Int?
        for key in maxTokensKeys {
            if let value = try f.int(key, in: 0...Int(Int32.max)), maxTokens == nil { maxTokens = value }
        }
        let n = try f.int("n", in: 1...16) ?? 1
        let stop = try f.stopStrings()
        let temperature = try f.number("temperature", in: 0...2)
        let topP = try f.number("top_p", in: 0...1)
        let seed = try f.int("seed", in: Int(Int64.min)...Int(Int64.max))
        var decoder: DecoderConfiguration
        if var d = try f.object("decoder") {
            guard temperature == nil, topP == nil, seed == nil else {
                let clash = temperature != nil ? "temperature" : topP != nil ? "top_p" : "seed"
                throw APIError.invalid("give either 'decoder' or '\(clash)': a decoder's own parameters set its temperature and seed", param: clash)
            }
            guard let name = try d.string("name") else { throw APIError.invalid("'decoder.name' is required", param: "decoder.name") }
            var parameters: [String: ConfigValue] = [:]
            if case let .object(p)? = d.value("parameters") { parameters = p } else if let v = d.value("parameters") {
                throw APIError.wrongType("decoder.parameters", expected: "an object", got: v)
            }
            try d.finish()
            // `n` asks an n-best decoder (beam search and its kin) for that many hypotheses.
            if n > 1, parameters["numReturnSequences"] == nil,
               (try? decoders.entry(named: name))?.parameters.contains(where: { $0.name == "numReturnSequences" }) == true {
                parameters["numReturnSequences"] = .int(n)
            }
            decoder = DecoderConfiguration(name: name, parameters: parameters)
            do {
                _ = try decoders.make(decoder)
            } catch {
                throw APIError.invalid("\(error)", param: "decoder")
            }
        } else if temperature == 0 {
            decoder = DecoderConfiguration(name: GreedyDecoder.registryName)
        } else {
            if topP == 0 { throw APIError.invalid("'top_p' is 0, which keeps no token; give a value in (0, 1]", param: "top_p") }
            // OpenAI's default temperature is 1: sampling. Without a seed each request draws afresh.
            decoder = DecoderConfiguration(name: SamplingDecoder.registryName, parameters: [
                "temperature": .double(temperature ?? 1),
                "topP": .double(topP ?? 1),
                "seed": .int(seed ?? Int(truncatingIfNeeded: UInt64.random(in: 0...UInt64(Int64.max)))),
            ])
        }

        var processors: [ProcessorConfiguration] = []
        if let presence = try f.number("presence_penalty", in: -2...2), presence != 0 {
            processors.append(ProcessorConfiguration(name: PresenceFrequencyPenaltyProcessor.presenceName,
                                                     parameters: ["penalty": .double(presence)]))
        }
        if let frequency = try f.number("frequency_penalty", in: -2...2), frequency != 0 {
            processors.append(ProcessorConfiguration(name: PresenceFrequencyPenaltyProcessor.frequencyName,
                                                     parameters: ["penalty": .double(frequency)]))
        }
        if var bias = try f.object("logit_bias") {
            let entries = try bias.allEntries()
            var checked: [String: ConfigValue] = [:]
            for (key, value) in entries {
                let path = "logit_bias.\(key)"
                guard Int32(key) != nil else { throw APIError.invalid("'\(path)': keys must be token ids", param: path) }
                let b: Double
                switch value {
                case let .int(i): b = Double(i)
                case let .double(d): b = d
                default: throw APIError.wrongType(path, expected: "a number", got: value)
                }
                guard (-100...100).contains(b) else { throw APIError.invalid("'\(path)' is \(b); it must be in -100...100", param: path) }
                checked[key] = .double(b)
            }
            if !checked.isEmpty {
                processors.append(ProcessorConfiguration(name: LogitBiasProcessor.registryName, parameters: ["bias": .object(checked)]))
            }
        }
        _ = try f.string("user")
        return GenerationFields(maxTokens: maxTokens ?? defaultMaxTokens, n: n, stop: stop, decoder: decoder,
                                processors: processors)
    }
}

extension RequestFields {
    /// Every entry of the object (all count as read).
    mutating func allEntries() throws -> [(String, ConfigValue)] {
        let keys = knownKeys
        return keys.sorted().map { key in (key, value(key) ?? .null) }
    }
}
