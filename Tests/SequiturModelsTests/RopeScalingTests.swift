import Foundation
import SequiturArchitectures
import SequiturCore
import SequiturGGUF
import Testing

/// YaRN's frequencies and attention factor against transformers 5.23's `_compute_yarn_parameters` (values
/// printed from `ROPE_INIT_FUNCTIONS["yarn"]` for each configuration below), and how the keys are read.
@Suite struct RopeScalingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let dimension: Int, base: Float, factor: Double, original: Int, betaFast: Double, betaSlow: Double
        let attentionFactor: Double
        let inverseFrequencies: [Double]
        var testDescription: String { "d \(dimension), base \(base), factor \(factor), original \(original)" }
    }

    static let cases: [Case] = [
        // A correction range of pairs 0...1: pair 0 kept, the rest interpolated.
        Case(dimension: 16, base: 10000, factor: 4, original: 16, betaFast: 32, betaSlow: 1, attentionFactor: 1.138629436111989,
             inverseFrequencies: [1.0, 0.07905694097280502, 0.02500000037252903, 0.007905694656074047, 0.0024999999441206455,
                                  0.0007905694656074047, 0.0002500000118743628, 7.905694656074047e-05]),
        // Qwen 2.5's YaRN (factor 4 over 32,768 positions, 128-wide heads): a long blend.
        Case(dimension: 128, base: 1_000_000, factor: 4, original: 32768, betaFast: 32, betaSlow: 1, attentionFactor: 1.138629436111989,
             inverseFrequencies: [1.0, 0.8058422207832336, 0.6493816375732422, 0.5232991576194763, 0.4216965138912201, 0.33982083201408386,
                                  0.2738419771194458, 0.22067339718341827, 0.17782793939113617, 0.14330126345157623, 0.11547820270061493,
                                  0.09305720031261444, 0.07498941570520401, 0.0604296438395977, 0.04869675263762474, 0.03924189880490303,
                                  0.03162277862429619, 0.025482967495918274, 0.02053525112569332, 0.016548171639442444, 0.01333521492779255,
                                  0.010746078565716743, 0.00865964312106371, 0.006978305988013744, 0.005375321488827467, 0.004131738096475601,
                                  0.0031684227287769318, 0.002423422411084175, 0.0018482765881344676, 0.0014051124453544617,
                                  0.0010643609566614032, 0.000802959781140089, 0.0006029411451891065, 0.0004503235686570406,
                                  0.00033424055436626077, 0.0002462583943270147, 0.0001798411540221423, 0.00012993148993700743,
                                  9.262301318813115e-05, 6.490394298452884e-05, 4.4456985051510856e-05, 3.582531644497067e-05,
                                  2.8869548259535804e-05, 2.3264301489689387e-05, 1.8747356079984456e-05, 1.5107409126358107e-05,
                                  1.2174188668723218e-05, 9.8104746939498e-06, 7.905693564680405e-06, 6.370741630234988e-06,
                                  5.133812464919174e-06, 4.137042651564116e-06, 3.3338035336782923e-06, 2.686519565031631e-06,
                                  2.1649109385180054e-06, 1.7445765934098745e-06, 1.405853367941745e-06, 1.1328959317324916e-06,
                                  9.129353202297352e-07, 7.356817945947114e-07, 5.928434347879374e-07, 4.777382400789065e-07,
                                  3.8498163235090033e-07, 3.102344408034696e-07]),
        // Betas of the file's own.
        Case(dimension: 64, base: 500_000, factor: 8, original: 64, betaFast: 16, betaSlow: 2, attentionFactor: 1.2079441541679836,
             inverseFrequencies: [1.0, 0.5184385180473328, 0.24770623445510864, 0.10045331716537476, 0.024240344762802124,
                                  0.016085922718048096, 0.010674637742340565, 0.007083702366799116, 0.004700753837823868,
                                  0.003119426080957055, 0.0020700551103800535, 0.0013736911350861192, 0.0009115831344388425,
                                  0.0006049276562407613, 0.00040143076330423355, 0.00026638995041139424, 0.00017677668074611574,
                                  0.00011730923142749816, 7.784655463183299e-05, 5.165906986803748e-05, 3.428102354519069e-05,
                                  2.2748929040972143e-05, 1.5096217794052791e-05, 1.0017868589784484e-05, 6.647869668086059e-06,
                                  4.411534519022098e-06, 2.927499735960737e-06, 1.9426925064180978e-06, 1.289173155782919e-06,
                                  8.554969213037111e-07, 5.677088097399974e-07, 3.76732259610435e-07]),
    ]

    /// transformers computes in float32, Sequitur in double: within a few float ulp.
    @Test(arguments: cases)
    func yarnMatchesTransformers(_ c: Case) {
        let yarn = YarnScaling(factor: c.factor, originalContext: c.original, betaFast: c.betaFast, betaSlow: c.betaSlow)
        #expect(abs(yarn.attentionFactor - c.attentionFactor) < 1e-12)
        let rotary = RotaryEmbedding(dimension: c.dimension, base: c.base, pairing: .halves,
                                     frequencyFactors: yarn.frequencyDivisors(dimension: c.dimension, base: c.base),
                                     magnitude: yarn.attentionFactor)
        for (i, (got, want)) in zip(rotary.frequencies, c.inverseFrequencies).enumerated() {
            #expect(abs(got - want) <= 4e-7 * want, "pair \(i): \(got) vs \(want)")
        }
    }

    static func metadata(_ extra: [String: GGUFValue]) -> [String: GGUFValue] {
        var m: [String: GGUFValue] = [
            "general.architecture": .string("qwen2"), "qwen2.block_count": .uint32(1), "qwen2.embedding_length": .uint32(64),
            "qwen2.feed_forward_length": .uint32(64), "qwen2.attention.head_count": .uint32(4),
            "qwen2.attention.head_count_kv": .uint32(2), "qwen2.attention.layer_norm_rms_epsilon": .float32(1e-5),
            "qwen2.context_length": .uint32(256), "qwen2.vocab_size": .uint32(320), "qwen2.rope.scaling.type": .string("yarn"),
            "qwen2.rope.scaling.factor": .float32(4), "qwen2.rope.scaling.original_context_length": .uint32(64),
        ]
        for (k, v) in extra { m[k] = v }
        return m
    }

    @Test func yarnKeysAreReadAndChecked() throws {
        func read(_ extra: [String: GGUFValue]) throws -> LlamaHyperparameters {
            let m = Self.metadata(extra)
            return try LlamaHyperparameters(metadata: { m[$0] }, family: .qwen2)
        }
        let plain = try read([:])
        #expect(plain.yarn == YarnScaling(factor: 4, originalContext: 64))
        #expect(plain.rotary().magnitude == YarnScaling(factor: 4, originalContext: 64).attentionFactor)
        #expect(plain.exactContextLength == 256, "YaRN is static: the whole context is exact")
        let own = try read(["qwen2.rope.scaling.yarn_beta_fast": .float32(16), "qwen2.rope.scaling.yarn_beta_slow": .float32(2),
                            "qwen2.rope.scaling.yarn_attn_factor": .float32(1.5), "qwen2.rope.scaling.yarn_ext_factor": .float32(1)])
        #expect(own.yarn == YarnScaling(factor: 4, originalContext: 64, betaFast: 16, betaSlow: 2, attentionFactor: 1.5))
        #expect(throws: LlamaModelError.unsupportedMetadata(key: "qwen2.rope.scaling.yarn_ext_factor", value: "0.5")) {
            try read(["qwen2.rope.scaling.yarn_ext_factor": .float32(0.5)])
        }
        #expect(throws: LlamaModelError.unsupportedMetadata(key: "qwen2.rope.scaling.yarn_log_multiplier", value: "0.1")) {
            try read(["qwen2.rope.scaling.yarn_log_multiplier": .float32(0.1)])
        }
        for (key, value) in [("qwen2.rope.scaling.original_context_length", GGUFValue.uint32(1)),
                             ("qwen2.rope.scaling.factor", .float32(0)), ("qwen2.rope.scaling.yarn_beta_fast", .float32(.nan))] {
            #expect(throws: LlamaModelError.self, "\(key)") { try read([key: value]) }
        }
        // Gemma's local layers would need a YaRN of their own: refused rather than guessed.
        #expect(throws: LlamaModelError.self) {
            var m = GemmaHyperparameterTests.metadata(.gemma3, layers: 6, ["gemma3.attention.sliding_window": .uint32(8),
                                                                           "gemma3.rope.scaling.type": .string("yarn"),
                                                                           "gemma3.rope.scaling.factor": .float32(4)])
            m["gemma3.rope.scaling.original_context_length"] = .uint32(64)
            _ = try LlamaHyperparameters(metadata: { m[$0] }, family: .gemma3)
        }
    }
}
