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
        var name: String
        var summary: String
        /// streams-tokens, n-best, certificate.
        var capabilities: [String]
        /// The parameter `--beams K` and compare-decoders' NAME:K set.
        var width_parameter: String?
        var returned_sequences_parameter: String?
        var parameters: [ParameterListing]
    }

    func run() throws {
        let listings = DecoderRegistry.standard.all.map { e in
            Listing(name: e.name, summary: e.summary, capabilities: e.capabilities.names,
                    width_parameter: e.widthParameter, returned_sequences_parameter: e.returnedSequencesParameter,
                    parameters: e.parameters.map(ParameterListing.init))
        }
        if json { try printJSON(listings); return }
        for l in listings {
            print("\(l.name) — \(l.summary)")
            print("    capabilities: \(l.capabilities.isEmpty ? "none" : l.capabilities.joined(separator: ", "))")
            if let width = l.width_parameter { print("    width (--beams, NAME:K): \(width)") }
            if let returned = l.returned_sequences_parameter { print("    hypotheses returned: \(returned)") }
            ParameterListing.printAll(l.parameters)
            print()
        }
    }
}
