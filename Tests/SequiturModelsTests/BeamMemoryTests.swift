import Sequitur
import SequiturDiagnostics
import Testing

/// A beam wider than memory allows ends in an error that names the width, not in the OOM killer.
@Suite struct BeamMemoryTests {
    @Test func aBeamThatCannotFitInTheBackendsMemoryNamesTheWidth() throws {
        let file = try GGUFFile(bytes: SyntheticModels.llamaGGUF(.tiny, seed: 5))
        // Enough for the weights, the first KV blocks and scratch, not for hundreds of forked beams.
        let backend = CPUBackend(threads: 1, memoryLimit: 2_500_000)
        let model = try LlamaModel(file: file, backend: backend, vocabulary: AnonymousVocabulary(count: SyntheticLlamaShape.tiny.vocabularySize))
        let beam = try BeamSearchDecoder(numBeams: 5_000)
        do {
            _ = try beam.decode(DecodingRequest(prompt: [4, 9], stop: StopConditions(maxNewTokens: 3, stopOnEndToken: false)), model: model)
            Issue.record("a 5000-wide beam fit in 2.5 MB")
        } catch let DecodingError.invalidParameter(name, message) {
            #expect(name == "numBeams" && message.contains("live beams of a 5000-wide search need more memory"), "\(message)")
        }
    }
}
