import ArgumentParser
import Foundation
import Sequitur

/// The logit-processor flags `generate` and `chat` share. Each adds a processor after the configuration
/// file's `processors:`, in the order listed here, then `--processor` ones in the order given:
/// `--repetition-penalty 1.3` is `{name: repetition-penalty, parameters: {penalty: 1.3}}`, and any registered
/// processor is `--processor NAME` with `--processor-param NAME.KEY=VALUE` (as `--decoder` with `--param`).
struct ProcessorOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("Repetition penalty (transformers' repetition_penalty; > 1 discourages repeats).", valueName: "x"))
    var repetitionPenalty: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("Presence penalty (OpenAI): subtracted from every token generated before.", valueName: "x"))
    var presencePenalty: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("Frequency penalty (OpenAI): subtracted per time a token was generated.", valueName: "x"))
    var frequencyPenalty: Double?
    @Option(help: ArgumentHelp("Add BIAS to token ID's log-prob, ID=BIAS (repeatable).", valueName: "id=bias"))
    var logitBias: [String] = []
    @Option(parsing: .unconditional, help: ArgumentHelp("Forbid the end tokens until this many tokens are generated.", valueName: "n"))
    var minNewTokens: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("Forbid any n-gram of this size from occurring twice in prompt + output.", valueName: "n"))
    var noRepeatNgram: Int?
    @Option(help: ArgumentHelp("Constrain the output to a GBNF grammar (llama.cpp's format).", valueName: "file"))
    var grammar: String?
    @Option(help: ArgumentHelp("Constrain the output to JSON valid against a JSON Schema.", valueName: "file"))
    var jsonSchema: String?
    @Option(help: ArgumentHelp("Constrain the output to text this regular expression matches whole.", valueName: "regex"))
    var regex: String?
    @Option(name: .customLong("processor"), help: ArgumentHelp("A logit processor by name (repeatable): \(ProcessorRegistry.standard.names.joined(separator: ", ")).", valueName: "name"))
    var processorNames: [String] = []
    @Option(name: .customLong("processor-param"), help: ArgumentHelp("A parameter of a --processor, NAME.KEY=VALUE (repeatable); lists and mappings as JSON, e.g. bad-words.sequences=[[1,2]].", valueName: "name.key=value"))
    var processorParameters: [String] = []

    /// The processors the flags add, each with the flag that added it (for error messages).
    func configurations() throws -> [(configuration: ProcessorConfiguration, flag: String)] {
        var added: [(configuration: ProcessorConfiguration, flag: String)] = []
        func add(_ name: String, _ parameters: [String: ConfigValue], _ flag: String) {
            added.append((ProcessorConfiguration(name: name, parameters: parameters), flag))
        }
        if let repetitionPenalty { add("repetition-penalty", ["penalty": .double(repetitionPenalty)], "--repetition-penalty") }
        if let presencePenalty { add("presence-penalty", ["penalty": .double(presencePenalty)], "--presence-penalty") }
        if let frequencyPenalty { add("frequency-penalty", ["penalty": .double(frequencyPenalty)], "--frequency-penalty") }
        if !logitBias.isEmpty {
            var bias: [String: ConfigValue] = [:]
            for entry in logitBias {
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let id = Int(parts[0]), let value = Double(parts[1]) else {
                    throw CommandError("--logit-bias '\(entry)': expected ID=BIAS, a token id and a number, e.g. 198=-5")
                }
                bias[String(id)] = .double(value)
            }
            add("logit-bias", ["bias": .object(bias)], "--logit-bias")
        }
        if let minNewTokens { add("min-new-tokens", ["minNewTokens": .int(minNewTokens)], "--min-new-tokens") }
        if let noRepeatNgram { add("no-repeat-ngram", ["size": .int(noRepeatNgram)], "--no-repeat-ngram") }
        if let grammar { add("grammar", ["file": .string(grammar)], "--grammar") }
        if let jsonSchema { add("json-schema", ["file": .string(jsonSchema)], "--json-schema") }
        if let regex { add("regex", ["pattern": .string(regex)], "--regex") }
        for name in processorNames { add(name, [:], "--processor \(name)") }
        for p in processorParameters {
            guard let eq = p.firstIndex(of: "="), let dot = p[..<eq].lastIndex(of: "."), dot != p.startIndex,
                  p.index(after: dot) < eq else {
                throw CommandError("--processor-param '\(p)': expected NAME.KEY=VALUE, e.g. repetition-penalty.penalty=1.3")
            }
            let name = String(p[..<dot])
            guard let i = added.lastIndex(where: { $0.flag == "--processor \(name)" }) else {
                throw CommandError("--processor-param '\(p)': no --processor \(name) to set it on")
            }
            added[i].configuration.parameters[String(p[p.index(after: dot)..<eq])] = try Self.parseValue(String(p[p.index(after: eq)...]), flag: p)
        }
        return added
    }

    /// Adds the flags' processors to `c.processors` and checks them, naming the flag that is wrong.
    func apply(to c: inout SequiturConfiguration, registry: ProcessorRegistry = .standard) throws {
        let added = try configurations()
        let first = c.processors.count
        c.processors += added.map(\.configuration)
        for (offset, entry) in added.enumerated() {
            do { _ = try registry.make(entry.configuration, path: "processors[\(first + offset)]") } catch let error as ConfigurationError {
                // A shortcut flag is its one parameter, so only the message stays; `--processor NAME` keeps
                // the parameter's name, as `--param` does.
                let prefix = "processors[\(first + offset)]"
                guard let path = error.path, path.hasPrefix(prefix) else { throw CommandError(entry.flag + ": \(error)") }
                let field = path.dropFirst(prefix.count).drop { $0 == "." }
                let shortcut = !entry.flag.hasPrefix("--processor ") && field.hasPrefix("parameters.")
                throw CommandError(error.at(shortcut || field.isEmpty ? entry.flag : "\(entry.flag): \(field)").description)
            }
        }
    }

    /// A flag value: JSON lists and mappings (`[[1,2]]`, `{"5": -1}`) as such, else as `--param` reads it.
    static func parseValue(_ text: String, flag: String) throws -> ConfigValue {
        guard text.hasPrefix("[") || text.hasPrefix("{") else { return DecodingOptions.parseValue(text) }
        do { return try JSONDecoder().decode(ConfigValue.self, from: Data(text.utf8)) } catch {
            throw CommandError("--processor-param '\(flag)': '\(text)' is not valid JSON")
        }
    }
}
