import ArgumentParser
import Foundation
import Sequitur

/// Shows and tries a grammar without a model: the GBNF a JSON Schema or a regular expression becomes, and
/// whether given texts are sentences of it. What a user reaches for when constrained output surprises them.
struct GrammarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grammar",
        abstract: "Print the GBNF grammar of a JSON Schema or regular expression, and check texts against a grammar.",
        discussion: """
            sequitur grammar --json-schema person.json                 the schema's GBNF
            sequitur grammar --regex '\\d{4}-\\d{2}-\\d{2}' --check 2024-01-31
            sequitur grammar --gbnf list.gbnf --check "- milk"         exit status 1 if a text is rejected

            Errors name the place: the line and column of a GBNF file, the JSON pointer of a schema keyword, the \\
            column of a regex construct outside the supported subset.
            """
    )

    @Option(help: ArgumentHelp("A GBNF grammar file (llama.cpp's format).", valueName: "file")) var gbnf: String?
    @Option(help: ArgumentHelp("A JSON Schema file.", valueName: "file")) var jsonSchema: String?
    @Option(help: ArgumentHelp("A regular expression (whole-text match).", valueName: "regex")) var regex: String?
    @Option(help: ArgumentHelp("A text to check against the grammar (repeatable).", valueName: "text")) var check: [String] = []

    func validate() throws {
        guard [gbnf, jsonSchema, regex].compactMap({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --gbnf, --json-schema, --regex")
        }
    }

    func run() throws {
        let text: String
        if let gbnf {
            text = try Self.read(gbnf)
        } else if let jsonSchema {
            do { text = try JSONSchemaGrammar.gbnf(schema: try Self.read(jsonSchema)) } catch let e as JSONSchemaError {
                throw CommandError("\(jsonSchema): \(e)")
            }
        } else {
            do { text = try RegexGrammar.gbnf(regex: regex!) } catch { throw CommandError("--regex: \(error)") }
        }
        let automaton: GrammarAutomaton
        do { automaton = try GrammarAutomaton(gbnf: text) } catch let e as GrammarError {
            throw CommandError(gbnf.map { e.in(file: $0).description } ?? "the generated grammar: \(e)")
        }
        guard !check.isEmpty else {
            if gbnf == nil { print(text, terminator: text.hasSuffix("\n") ? "" : "\n") } else { print("\(gbnf!): a valid grammar") }
            return
        }
        var rejected = 0
        for t in check {
            let ok = automaton.accepts(t)
            if !ok { rejected += 1 }
            print("\(ok ? "accepted" : "rejected")  \(t.debugDescription)")
        }
        if rejected > 0 { throw ExitCode(1) }
    }

    private static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandError("\(path): \(FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")")
        }
        guard let s = String(data: data, encoding: .utf8) else { throw CommandError("\(path): is not UTF-8 text") }
        return s
    }
}
