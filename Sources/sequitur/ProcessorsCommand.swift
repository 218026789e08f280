import ArgumentParser
import Foundation
import Sequitur

struct ProcessorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "processors",
        abstract: "List the registered logit processors with their parameters, types and defaults.",
        discussion: """
            Processors adjust each step's next-token scores before any decoder chooses (raw logits under greedy \
            and sampling, log-probs under beam and exhaustive search, as in transformers). Set them in a \
            configuration file (processors: [{name, parameters}]) or on generate and chat with --processor NAME \
            --processor-param NAME.KEY=VALUE, or the shortcuts --repetition-penalty, --presence-penalty, \
            --frequency-penalty, --logit-bias, --min-new-tokens, --no-repeat-ngram, --grammar, --json-schema, \
            --regex. `sequitur grammar` shows the grammar a schema or regex becomes.
            """
    )

    @Flag(help: "Print JSON.") var json = false

    struct Listing: Encodable {
        var name: String
        var summary: String
        var parameters: [ParameterListing]
    }

    func run() throws {
        let listings = ProcessorRegistry.standard.all.map {
            Listing(name: $0.name, summary: $0.summary, parameters: $0.parameters.map(ParameterListing.init))
        }
        if json { try printJSON(listings); return }
        for l in listings {
            print("\(l.name) — \(l.summary)")
            ParameterListing.printAll(l.parameters)
            print()
        }
    }
}
