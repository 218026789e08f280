import ArgumentParser
import Sequitur

/// `--template-variable KEY=VALUE`: keyword arguments for the model's chat template, as transformers'
/// `apply_chat_template(..., KEY=VALUE)` takes them (Qwen 3: `--template-variable enable_thinking=false`).
/// `true` and `false` are booleans, since templates test them with `is false`; anything else is a string.
struct ChatTemplateOptions: ParsableArguments {
    @Option(name: .customLong("template-variable"),
            help: ArgumentHelp("A chat template variable, e.g. enable_thinking=false (repeatable).", valueName: "key=value"))
    var templateVariables: [String] = []

    func variables() throws -> [String: ChatTemplateVariable] {
        var result: [String: ChatTemplateVariable] = [:]
        for entry in templateVariables {
            guard let equals = entry.firstIndex(of: "=") else {
                throw CommandError("--template-variable '\(entry)' is not KEY=VALUE")
            }
            let key = String(entry[..<equals]), value = String(entry[entry.index(after: equals)...])
            guard let first = key.unicodeScalars.first, first == "_" || first.properties.isAlphabetic,
                  key.unicodeScalars.allSatisfy({ $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) })
            else { throw CommandError("--template-variable '\(entry)': '\(key)' is not a template variable name") }
            guard !ChatTemplateVariable.reservedNames.contains(key) else {
                throw CommandError("--template-variable '\(entry)': '\(key)' is set by Sequitur itself")
            }
            guard result[key] == nil else { throw CommandError("--template-variable '\(key)' is given twice") }
            switch value {
            case "true": result[key] = .boolean(true)
            case "false": result[key] = .boolean(false)
            default: result[key] = .string(value)
            }
        }
        return result
    }
}
