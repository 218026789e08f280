import Foundation
import SequiturArchitectures
import SequiturCore
import SequiturCPU
import SequiturDiagnostics
import SequiturGGUF
import SequiturTokenizer
import Testing

/// Every architecture family against transformers (`Tests/Fixtures/families`, from
/// `scripts/reference/family_fixtures.py`): llama.cpp's own converter and quantiser wrote the files, transformers
/// scored the dequantised weights in float32. Each per-token log-prob within 2e-3, the greedy tokens equal.
@Suite struct FamilyReferenceTests {
    static let tolerance = 2e-3
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/families")

    struct Entry: CustomTestStringConvertible, Sendable {
        let family: String
        let reference: FamilyReference.Case
        var testDescription: String { "\(family) \(reference.type)" }
    }

    static let entries: [Entry] = {
        do {
            return try FamilyReference.all(in: directory).flatMap { f in f.cases.map { Entry(family: f.family, reference: $0) } }
        } catch {
            Issue.record("cannot read the family references in \(directory.path): \(error)")
            return []
        }
    }()

    @Test func everyFamilyAndTypeIsCovered() {
        let covered = Set(Self.entries.map { "\($0.family) \($0.reference.type)" })
        for family in ["llama3", "qwen2", "qwen3", "phi3", "gemma2", "gemma3"] {
            for type in ["F32", "Q8_0", "Q4_K_M", "Q5_K_M", "Q6_K"] {
                #expect(covered.contains("\(family) \(type)"), "no reference for \(family) \(type)")
            }
        }
    }

    @Test(arguments: entries)
    func matchesTransformersOnTheCPU(_ entry: Entry) throws {
        let result = try FamilyReferenceComparison.measure(entry.reference, family: entry.family,
                                                           directory: Self.directory, backend: CPUBackend(threads: 2))
        print("family reference: \(result)")
        #expect(result.maxLogProbError <= Self.tolerance, "\(result)")
        #expect(result.greedyMatches, "\(result)")
    }

    /// The Gemma references exercise what sets Gemma apart, or matching them would prove nothing: windows
    /// shorter than the scored sequences (41 tokens) on local layers beside global ones, soft caps, and for
    /// Gemma 3 a global layer (the sixth) with a RoPE base other than the local layers'.
    @Test func gemmaReferencesExerciseWindowsCapsAndGlobalLayers() throws {
        let gemma2 = try LlamaModel.check(GGUFFile(contentsOf: Self.directory.appendingPathComponent("gemma2-F32.gguf")), family: .gemma2)
        let local2 = try #require(gemma2.localAttention)
        #expect(local2.window < 41 && local2.layers.contains(true) && local2.layers.contains(false))
        #expect(gemma2.attentionSoftCap != nil && gemma2.finalLogitSoftCap != nil)
        let gemma3 = try LlamaModel.check(GGUFFile(contentsOf: Self.directory.appendingPathComponent("gemma3-F32.gguf")), family: .gemma3)
        let local3 = try #require(gemma3.localAttention)
        #expect(local3.window < 41 && local3.layers.count >= 6 && !local3.layers[5] && local3.layers[0])
        #expect(local3.ropeBase != gemma3.ropeBase)
    }

    /// Phi-3's sliding window (128 in the reference file, whose sequences are shorter) caps the context: a
    /// longer sequence is refused, not attended to in full where transformers would window it.
    @Test func phi3WindowCapsTheContext() throws {
        let file = try GGUFFile(contentsOf: Self.directory.appendingPathComponent("phi3-F32.gguf"))
        let hp = try LlamaModel.check(file, family: .phi3)
        #expect(hp.slidingWindow == 128 && hp.contextLength == 256 && hp.exactContextLength == 128)
        let model = try LlamaModel(file: file, family: .phi3, backend: CPUBackend(threads: 1), vocabulary: BPETokenizer(gguf: file))
        #expect(model.contextLength == 128)
        let ids = (0..<129).map { TokenID(5 + $0 % 300) }
        #expect(throws: LanguageModelError.contextOverflow(length: 129, contextLength: 128)) {
            try model.extend([ExtensionRequest(state: model.makeState(), tokens: ids, queries: ids.map { _ in nil })])
        }
    }

    /// LongRoPE (Phi-3 128k, Phi-3.5) is its two factor tensors, which llama.cpp's converter writes with an
    /// attention factor and no scaling type: that loads, with the short factors and the context capped at the
    /// original one. One tensor alone, a longrope type without them, the attention factor without them, the
    /// factors under linear scaling and a factor of 0 are each refused by name. (The numbers are held to
    /// transformers by the `phi3-longrope` reference.)
    @Test func phi3LongRoPEComesWholeOrIsRefused() throws {
        let file = try GGUFFile(contentsOf: Self.directory.appendingPathComponent("phi3-F32.gguf"))
        func rewritten(extraKeys: [String: GGUFValue], extraTensors: [String: [Float]]) throws -> GGUFFile {
            let writer = try GGUFWriter()
            for key in file.metadataKeys { try writer.addMetadata(key, file.metadata[key]!) }
            for (key, value) in extraKeys { try writer.addMetadata(key, value) }
            for info in file.tensors {
                let w = try file.weight(named: info.name)
                try writer.addTensor(name: info.name, dimensions: info.dimensions, type: w.type, bytes: Array(w.bytes))
            }
            for (name, values) in extraTensors.sorted(by: { $0.key < $1.key }) {
                try writer.addTensor(name: name, dimensions: [values.count], values: values, as: .f32)
            }
            return try GGUFFile(bytes: writer.serialized())
        }
        let short = (0..<32).map { 1 + Float($0) / 16 }, long = (0..<32).map { 2 + Float($0) / 4 }
        let factors = [LlamaTensorName.ropeFactorsShort: short, LlamaTensorName.ropeFactorsLong: long]
        let longrope: [String: GGUFValue] = ["phi3.rope.scaling.attn_factor": .float32(1.19)]
        #expect(throws: LlamaModelError.missingTensor(name: LlamaTensorName.ropeFactorsShort)) {
            try LlamaModel.check(rewritten(extraKeys: longrope, extraTensors: [LlamaTensorName.ropeFactorsLong: long]), family: .phi3)
        }
        #expect(throws: LlamaModelError.missingTensor(name: LlamaTensorName.ropeFactorsShort)) {
            try LlamaModel.check(rewritten(extraKeys: ["phi3.rope.scaling.type": .string("longrope")], extraTensors: [:]), family: .phi3)
        }
        #expect(throws: LlamaModelError.self) {
            try LlamaModel.check(rewritten(extraKeys: ["phi3.rope.scaling.type": .string("linear"), "phi3.rope.scaling.factor": .float32(2)],
                                           extraTensors: factors), family: .phi3)
        }
        // Without an attention factor, transformers' default: 1 here, as the context is the original one.
        #expect(try LlamaModel.check(rewritten(extraKeys: [:], extraTensors: factors), family: .phi3).longRope?.attentionFactor == 1)
        #expect(throws: LlamaModelError.unsupportedMetadata(key: "phi3.rope.scaling.attn_factor", value: "1.19")) {
            try LlamaModel.check(rewritten(extraKeys: ["phi3.rope.scaling.attn_factor": .float32(1.19)], extraTensors: [:]), family: .phi3)
        }
        let whole = try rewritten(extraKeys: longrope, extraTensors: factors)
        let hp = try LlamaModel.check(whole, family: .phi3)
        #expect(hp.longRope == LongRopeScaling(originalContext: 256, attentionFactor: Double(Float(1.19))))
        let model = try LlamaModel(file: whole, family: .phi3, backend: CPUBackend(threads: 1), vocabulary: BPETokenizer(gguf: whole))
        #expect(model.contextLength == 128, "the window (128) is the tighter cap here")
        let rotary = hp.rotary(frequencyFactors: short)
        #expect(rotary.magnitude == Double(Float(1.19)) && rotary.frequencyFactors == short)
        var zero = factors
        zero[LlamaTensorName.ropeFactorsLong]![3] = 0
        #expect(throws: LlamaModelError.self) {
            try LlamaModel(file: rewritten(extraKeys: longrope, extraTensors: zero), family: .phi3, backend: CPUBackend(threads: 1),
                           vocabulary: BPETokenizer(gguf: whole))
        }
        // A family without LongRoPE tensors refuses the type.
        #expect(throws: LlamaModelError.self) {
            try LlamaHyperparameters(metadata: { ["general.architecture": .string("qwen2"), "qwen2.rope.scaling.type": .string("longrope")][$0] },
                                     family: .qwen2)
        }
    }

    /// The Llama 3 file carries `rope_freqs.weight`; without it the same weights score far from transformers,
    /// which is what proves the tensor is applied (and why a model that ignored it was refused before).
    @Test func llama3FrequencyFactorsMatter() throws {
        let entry = try #require(Self.entries.first { $0.family == "llama3" && $0.reference.type == "F32" })
        let file = try GGUFFile(contentsOf: Self.directory.appendingPathComponent(entry.reference.file))
        let factors = try #require(file.tensor(named: LlamaTensorName.ropeFrequencies))
        #expect(factors.elementCount == 32)
        let values = try file.weight(named: LlamaTensorName.ropeFrequencies)
        let floats = try Dequantization.dequantize(values.type, bytes: values.bytes, count: values.columns)
        // All three of Llama 3's bands occur: kept (1), divided by the factor (8), and interpolated between.
        #expect(floats.contains(1) && floats.contains(8) && floats.contains { $0 > 1 && $0 < 8 })

        let hp = try LlamaModel.check(file)
        let model = try LlamaModel(hyperparameters: hp, backend: CPUBackend(threads: 2),
                                   vocabulary: BPETokenizer(gguf: file)) { name in
            name == LlamaTensorName.ropeFrequencies ? nil : try file.tensor(named: name).map { _ in try file.weight(named: name) }
        }
        let sequence = try #require(entry.reference.sequences.last)
        let ids = sequence.tokenIds
        let answers = try model.extend([ExtensionRequest(state: model.makeState(), tokens: ids,
                                                         queries: ids.indices.map { $0 + 1 < ids.count ? .target(ids[$0 + 1]) : nil })])[0].answers
        let worst = zip(answers, sequence.logprobs).map { abs(Double($0!.targetLogProbs[0]) - $1) }.max() ?? 0
        #expect(worst > 0.05, "without rope_freqs the scores moved only \(worst)")
    }
}
