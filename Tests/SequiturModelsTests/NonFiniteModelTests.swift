import Foundation
import Sequitur
import SequiturDiagnostics
import Testing

/// NaN or infinity in a model's weights, or activations that overflow float32, are errors that say where; no
/// decoder or scorer ever sees a non-finite log-prob from a llama model.
@Suite struct NonFiniteModelTests {
    static func tinyModel(_ patching: [String: SyntheticModels.TensorPatch]) throws -> LlamaModel {
        let file = try GGUFFile(bytes: SyntheticModels.llamaGGUF(.tiny, seed: 5, patching: patching))
        return try LlamaModel(file: file, backend: CPUBackend(threads: 2), vocabulary: AnonymousVocabulary(count: SyntheticLlamaShape.tiny.vocabularySize))
    }

    /// The weight the load refused, or nil when it loaded.
    static func refusedWeight(_ patching: [String: SyntheticModels.TensorPatch]) -> NonFiniteWeight? {
        do {
            _ = try tinyModel(patching)
            return nil
        } catch let LanguageModelError.nonFiniteWeight(weight) {
            return weight
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func aNaNInANormWeightIsRefusedAtLoadByTensorAndColumn() {
        let name = LlamaTensorName.block(1, .feedForwardNorm)
        let weight = Self.refusedWeight([name: .values { values, _ in values[17] = .nan }])
        #expect(weight?.tensor == name)
        #expect(weight?.row == 0 && weight?.column == 17 && weight?.value.isNaN == true)
        #expect(weight.map { "\(LanguageModelError.nonFiniteWeight($0))" }?.contains("tensor '\(name)' holds nan at row 0, column 17") == true)
    }

    @Test func aNaNBlockScaleInAQuantisedEmbeddingNamesItsRowAndBlock() {
        // token_embd is Q8_0 (34-byte blocks of 32: a float16 scale, then 32 codes), 64 columns: two blocks a row.
        let shape = SyntheticLlamaShape.tiny
        #expect(shape.embeddingType == .q8_0 && shape.embeddingLength == 64)
        let weight = Self.refusedWeight([LlamaTensorName.tokenEmbedding: .bytes { bytes in
            let block = 5 * 2 + 1                     // row 5, second block
            bytes[block * 34] = 0x00
            bytes[block * 34 + 1] = 0x7E              // float16 NaN
        }])
        #expect(weight?.tensor == LlamaTensorName.tokenEmbedding)
        #expect(weight?.row == 5 && weight?.column == 32)
    }

    @Test func anInfinityInAFloat32MatrixIsRefused() {
        let name = LlamaTensorName.block(0, .attentionOutput)      // F32 in the tiny shape
        let weight = Self.refusedWeight([name: .values { values, columns in values[3 * columns + 10] = -.infinity }])
        #expect(weight?.tensor == name && weight?.row == 3 && weight?.column == 10 && weight?.value == -.infinity)
    }

    @Test func aFileWithFiniteWeightsLoads() throws {
        #expect(Self.refusedWeight([:]) == nil)
    }

    /// Finite weights of 3e38 in layer 1's attention norm: float32 overflows inside the forward pass.
    static func overflowingModel() throws -> LlamaModel {
        try tinyModel([LlamaTensorName.block(1, .attentionNorm): .values { values, _ in
            for i in values.indices { values[i] = 3e38 }
        }])
    }

    @Test func activationsThatOverflowAreNamedByLayerAndPosition() throws {
        let model = try Self.overflowingModel()
        let prompt: [TokenID] = [4, 9, 16, 25, 36]
        #expect(throws: LanguageModelError.nonFiniteActivations(stage: "layer 1 (attention)", request: 0, position: 0)) {
            try model.extend([ExtensionRequest(state: model.makeState(), tokens: prompt)])
        }
        // The second request of a batch is named as such, at its own first position.
        let healthyPrefix = model.makeState()
        #expect(throws: LanguageModelError.nonFiniteActivations(stage: "layer 1 (attention)", request: 1, position: 0)) {
            try model.extend([ExtensionRequest(state: healthyPrefix, tokens: [], lastQuery: nil),
                              ExtensionRequest(state: model.makeState(), tokens: prompt)])
        }
    }

    @Test func everyDecoderAndScorerReportsTheOverflowInsteadOfAResult() throws {
        let model = try Self.overflowingModel()
        let prompt: [TokenID] = [4, 9, 16]
        let stop = StopConditions(maxNewTokens: 3, stopOnEndToken: false)
        let decoders: [any Decoder] = [GreedyDecoder(), try BeamSearchDecoder(numBeams: 3), try ExhaustiveDecoder(),
                                       try SamplingDecoder(temperature: 1)]
        for decoder in decoders {
            #expect(throws: LanguageModelError.self, "\(type(of: decoder))") {
                try decoder.decode(DecodingRequest(prompt: prompt, stop: stop), model: model)
            }
        }
        #expect(throws: LanguageModelError.self) {
            try SharedPrefixScorer().score([ScoringRequest(id: "0", context: prompt, continuation: [7, 8])], model: model)
        }
    }
}
