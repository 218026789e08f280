import Sequitur
import SequiturDiagnostics
import Testing

/// The exhaustive search's memory budget: on a model that reports its KV cache, the states the search holds
/// stay within `maxCacheBytes`, and running out ends the search with a budget certificate that says so.
@Suite struct ExhaustiveMemoryTests {
    static func model() throws -> LlamaModel {
        let file = try GGUFFile(bytes: SyntheticModels.llamaGGUF(.tiny, seed: 5))
        return try LlamaModel(file: file, backend: CPUBackend(threads: 2),
                              vocabulary: AnonymousVocabulary(count: SyntheticLlamaShape.tiny.vocabularySize))
    }

    @Test func aCacheBudgetEndsTheSearchWithACertificateNamingIt() throws {
        let model = try Self.model()
        let perBlock = model.kvCacheUsage.bytesPerBlock
        #expect(perBlock == 2 * 4 * 32 * 2 * 4, "2 layers × 4 positions × 32 floats × keys and values × 4 bytes")
        // A random tiny model's rows are flat: proving 8 tokens takes far more than 30 states.
        let budget = 30 * perBlock
        let request = DecodingRequest(prompt: [4, 9, 17], stop: StopConditions(maxNewTokens: 8, stopOnEndToken: false))
        let result = try ExhaustiveDecoder(maxCacheBytes: budget).decode(request, model: model)
        guard case let .budgetExhausted(expansions, _, upperBound, reason)? = result.certificate else {
            Issue.record("expected a budget certificate, got \(String(describing: result.certificate))")
            return
        }
        #expect(reason == "maxCacheBytes (\(budget)) reached")
        // Each expanded state holds at most one block of its own (its copy of the parent's last block).
        #expect(expansions <= 31)
        #expect(result.best!.score <= upperBound)
        #expect(model.kvCacheUsage.blocksInUse == 0, "the search's states are released when it returns")
    }

    @Test func theDefaultBudgetFitsATwoGigabyteMachine() throws {
        #expect(ExhaustiveDecoder.defaultMaxCacheBytes == 512 << 20)
        let decoder = try ExhaustiveDecoder(configuration: DecoderConfiguration(name: "exhaustive"))
        #expect(decoder.maxCacheBytes == ExhaustiveDecoder.defaultMaxCacheBytes && decoder.expansionsPerCall == ExhaustiveDecoder.defaultExpansionsPerCall)
        #expect(throws: DecodingError.invalidParameter(name: "maxCacheBytes", message: "must be at least 1, got 0")) {
            try ExhaustiveDecoder(maxCacheBytes: 0)
        }
    }
}
