import Foundation
import Sequitur
import Testing

/// The committed transformers reference for beam search and greedy decoding on the default model
/// (`scripts/reference/beam_fixtures.py` writes `Tests/Fixtures/beam/beam.json`).
struct BeamFixtureFile: Decodable {
    let model: String
    let maxNewTokens: Int
    /// The end tokens `generate()` stopped on (the model's generation config).
    let eosTokenIds: [TokenID]
    let cases: [BeamFixtureCase]

    enum CodingKeys: String, CodingKey {
        case model, maxNewTokens = "max_new_tokens", eosTokenIds = "eos_token_ids", cases
    }

    static var url: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/beam/beam.json")
    }

    /// The fixture file; a read or parse error is recorded as a test issue and gives no cases.
    static let shared: BeamFixtureFile? = load(url)

    /// The same layout with logit processors (`scripts/reference/processor_fixtures.py` writes it).
    static let processors: BeamFixtureFile? = load(URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/processors/processors.json"))

    private static func load(_ url: URL) -> BeamFixtureFile? {
        do {
            return try JSONDecoder().decode(BeamFixtureFile.self, from: Data(contentsOf: url))
        } catch {
            Issue.record("cannot read the fixtures at \(url.path): \(error)")
            return nil
        }
    }

    static var cases: [BeamFixtureCase] { shared?.cases ?? [] }
}

/// One prompt decoded by transformers with one setting.
struct BeamFixtureCase: Decodable, CustomTestStringConvertible, Sendable {
    struct Parameters: Decodable, Sendable {
        let numBeams: Int
        let lengthPenalty: Double
        let earlyStopping: String
        let numReturnSequences: Int
        let noRepeatNgramSize: Int
    }

    struct Hypothesis: Decodable, Sendable {
        let tokens: [TokenID]
        /// `sequences_scores` for beam cases (sum / length^lengthPenalty); the plain sum for greedy ones.
        let score: Double
        /// Greedy cases only: each token's log-prob.
        let tokenLogprobs: [Double]?

        enum CodingKeys: String, CodingKey { case tokens, score, tokenLogprobs = "token_logprobs" }
    }

    let name: String
    let text: String
    let prompt: [TokenID]
    /// "greedy" (`generate(num_beams=1)`) or "beam".
    let decoder: String
    /// The smallest score gap at a boundary that decided the reference's outcome (see the script's BeamMargins);
    /// below our numeric agreement with transformers a different outcome is a coin toss, not a semantic bug.
    let margin: Double
    let parameters: Parameters?
    /// The logit processors generate() ran with, as a Sequitur configuration names them (processor fixtures).
    let processors: [ProcessorConfiguration]?
    let hypotheses: [Hypothesis]

    var testDescription: String { name }

    /// The decoder this case checks, built through the public registry from the case's parameters. Greedy
    /// cases are also what beam search with one beam must return (transformers runs greedy for `num_beams=1`).
    func beamDecoder() throws -> any Decoder {
        let p = parameters
        return try DecoderRegistry.standard.make(DecoderConfiguration(name: "beam", parameters: [
            "numBeams": .int(p?.numBeams ?? 1),
            "lengthPenalty": .double(p?.lengthPenalty ?? 1.0),
            "earlyStopping": .string(p?.earlyStopping ?? "false"),
            "numReturnSequences": .int(p?.numReturnSequences ?? 1),
            "noRepeatNgramSize": .int(p?.noRepeatNgramSize ?? 0),
        ]))
    }
}

/// Whether the tests were compiled without optimisation: the real model is then far too slow for long runs, and
/// the tests that use it cut themselves down (CI builds and runs the tests in release).
enum BuildConfiguration {
    #if DEBUG
    static let isDebug = true
    #else
    static let isDebug = false
    #endif
}
