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
        // `max_new_tokens` is transformers' name, which lm-evaluation-harness passes through from task files.
        var maxTokens: (key: String, value: Int)?
        for key in maxTokensKeys + ["max_new_tokens"] {
            guard let value = try f.int(key, in: 0...Int(Int32.max)) else { continue }
            if let earlier = maxTokens, earlier.value != value {
                throw APIError.invalid("'\(earlier.key)' is \(earlier.value) but '\(key)' is \(value): give one", param: key)
            }
            maxTokens = maxTokens ?? (key, value)
        }
        let n = try f.int("n", in: 1...16) ?? 1
        let stop = try f.stopStrings()
        var temperature = try f.number("temperature", in: 0...2)
        let topP = try f.number("top_p", in: 0...1)
        // vLLM's extensions: top_k (0 or -1 is off) and min_p.
        let topK = try f.int("top_k", in: -1...Int(Int32.max))
        let minP = try f.number("min_p", in: 0...1)
        let seed = try f.int("seed", in: Int(Int64.min)...Int(Int64.max))
        // transformers' generate() switches, as lm-evaluation-harness's task files give them.
        if let doSample = try f.bool("do_sample"), !doSample { temperature = 0 }
        let numBeams = try f.int("num_beams", in: 1...64)
        var decoder: DecoderConfiguration
        if var d = try f.object("decoder") {
            let given: [(String, Bool)] = [("temperature", temperature != nil), ("top_p", topP != nil), ("top_k", topK != nil),
                                           ("min_p", minP != nil), ("seed", seed != nil), ("num_beams", numBeams != nil)]
            if let clash = given.first(where: \.1)?.0 {
                throw APIError.invalid("give either 'decoder' or '\(clash)': a decoder's own parameters set how it searches", param: clash)
            }
            guard let name = try d.string("name") else { throw APIError.invalid("'decoder.name' is required", param: "decoder.name") }
            var parameters: [String: ConfigValue] = [:]
            if case let .object(p)? = d.value("parameters") { parameters = p } else if let v = d.value("parameters") {
                throw APIError.wrongType("decoder.parameters", expected: "an object", got: v)
            }
            try d.finish()
            decoder = try Self.checked(name: name, parameters: parameters, n: n, decoders: decoders)
        } else if let numBeams, numBeams > 1 {
            decoder = try Self.checked(name: BeamSearchDecoder.registryName, parameters: ["numBeams": .int(numBeams)], n: n,
                                       decoders: decoders)
        } else if temperature == 0 {
            decoder = DecoderConfiguration(name: GreedyDecoder.registryName)
        } else {
            if topP == 0 { throw APIError.invalid("'top_p' is 0, which keeps no token; give a value in (0, 1]", param: "top_p") }
            // OpenAI's default temperature is 1: sampling. Without a seed each request draws afresh.
            decoder = DecoderConfiguration(name: SamplingDecoder.registryName, parameters: [
                "temperature": .double(temperature ?? 1),
                "topP": .double(topP ?? 1),
                "topK": .int(max(0, topK ?? 0)),
                "minP": .double(minP ?? 0),
                "seed": .int(seed ?? Int(truncatingIfNeeded: UInt64.random(in: 0...UInt64(Int64.max)))),
            ])
        }

        var processors: [ProcessorConfiguration] = []
        if let repetition = try f.number("repetition_penalty", in: 0...100) {
            guard repetition > 0 else { throw APIError.invalid("'repetition_penalty' must be above 0 (1 is off)", param: "repetition_penalty") }
            if repetition != 1 {
                processors.append(ProcessorConfiguration(name: RepetitionPenaltyProcessor.registryName,
                                                         parameters: ["penalty": .double(repetition)]))
            }
        }
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
        return GenerationFields(maxTokens: maxTokens?.value ?? defaultMaxTokens, n: n, stop: stop, decoder: decoder,
                                processors: processors)
    }
}

extension GenerationFields {
    /// A registered decoder's configuration, checked; `n` asks an n-best decoder (beam search and its kin) for
    /// that many hypotheses, through the parameter its registry entry names, unless the request set it itself.
    static func checked(name: String, parameters: [String: ConfigValue], n: Int,
                        decoders: DecoderRegistry) throws -> DecoderConfiguration {
        var parameters = parameters
        if n > 1, let returned = (try? decoders.entry(named: name))?.returnedSequencesParameter, parameters[returned] == nil {
            parameters[returned] = .int(n)
        }
        let decoder = DecoderConfiguration(name: name, parameters: parameters)
        do {
            _ = try decoders.make(decoder)
        } catch {
            throw APIError.invalid("\(error)", param: "decoder")
        }
        return decoder
    }
}

extension RequestFields {
    /// Every entry of the object (all count as read).
    mutating func allEntries() throws -> [(String, ConfigValue)] {
        let keys = knownKeys
        return keys.sorted().map { key in (key, value(key) ?? .null) }
    }
}
