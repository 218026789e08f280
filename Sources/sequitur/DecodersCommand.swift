import ArgumentParser
import Foundation
import Sequitur

struct DecodersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decoders",
        abstract: "List the registered decoders with their capabilities and parameters, types and defaults.",
        discussion: "Set them in a configuration file (decoder: {name, parameters}) or with generate --param NAME=VALUE."
    )

    @Flag(help: "Print JSON.") var json = false

    struct Listing: Encodable {
        struct Parameter: Encodable {
            var name: String
            var type: String
            var `default`: ConfigValue
            var help: String
        }
        var name: String
        var summary: String
        /// streams-tokens, n-best, certificate.
        var capabilities: [String]
        /// The parameter `--beams K` and compare-decoders' NAME:K set.
        var width_parameter: String?
        var returned_sequences_parameter: String?
        var parameters: [Parameter]
    }

    func run() throws {
        let listings = DecoderRegistry.standard.all.map { e in
            Listing(name: e.name, summary: e.summary, capabilities: e.capabilities.names,
                    width_parameter: e.widthParameter, returned_sequences_parameter: e.returnedSequencesParameter,
                    parameters: e.parameters.map {
                .init(name: $0.name, type: $0.kind.description, default: $0.defaultValue, help: $0.help)
            })
        }
        if json { try printJSON(listings); return }
        for l in listings {
            print("\(l.name) — \(l.summary)")
            print("    capabilities: \(l.capabilities.isEmpty ? "none" : l.capabilities.joined(separator: ", "))")
            if let width = l.width_parameter { print("    width (--beams, NAME:K): \(width)") }
            if let returned = l.returned_sequences_parameter { print("    hypotheses returned: \(returned)") }
            if l.parameters.isEmpty { print("    (no parameters)") }
            let width = max(18, l.parameters.map(\.name.count).max() ?? 0)
            for p in l.parameters {
                print("    \(p.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(p.type.padding(toLength: 20, withPad: " ", startingAt: 0))  default \(p.default)")
                print("    \(String(repeating: " ", count: width))  \(p.help)")
            }
            print()
        }
    }
}
