import Foundation
import SequiturCore
import SequiturCPU

/// The outcome of checking one kernel against the CPU reference on one shape.
public struct KernelCheckResult: Sendable, Encodable, CustomStringConvertible {
    /// The op checked ("matmul Q4_1", "attention").
    public var operation: String
    /// The shape and settings it ran with.
    public var shape: String
    /// Largest |OpenCL − CPU| over the compared outputs (infinity when an output was NaN or mismatched).
    public var maxError: Float
    /// The largest error allowed: `tolerance · max(1, max |CPU output|)`.
    public var allowedError: Float
    /// Anything else that failed (a bitwise mismatch between two paths, a wrong id), empty when none.
    public var problems: [String]

    public var passed: Bool { maxError <= allowedError && problems.isEmpty }

    public var description: String {
        let verdict = passed ? "PASS" : "FAIL"
        let detail = problems.isEmpty ? "" : " — " + problems.joined(separator: "; ")
        return "\(verdict) \(operation) [\(shape)] max error \(maxError) (allowed \(allowedError))\(detail)"
    }

    private enum CodingKeys: String, CodingKey { case operation, shape, maxError, allowedError, problems, passed }

    /// The stored fields and the verdict, so JSON readers need not repeat the comparison.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(operation, forKey: .operation)
        try c.encode(shape, forKey: .shape)
        try c.encode(maxError, forKey: .maxError)
        try c.encode(allowedError, forKey: .allowedError)
        try c.encode(problems, forKey: .problems)
        try c.encode(passed, forKey: .passed)
    }
}

/// Every check of a run, for `sequitur check-kernels`.
public struct KernelCheckReport: Sendable, Encodable, CustomStringConvertible {
    public var device: String
    public var results: [KernelCheckResult]
    public var allPassed: Bool { results.allSatisfy(\.passed) }
    public var description: String {
        let passed = results.filter(\.passed).count
        return (["kernel check on \(device): \(passed)/\(results.count) passed"] + results.map(\.description)).joined(separator: "\n")
    }

    private enum CodingKeys: String, CodingKey { case device, results, allPassed }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(device, forKey: .device)
        try c.encode(results, forKey: .results)
        try c.encode(allPassed, forKey: .allPassed)
    }
}

/// Runs each op of any backend and the CPU reference (`CPUBackend`, one thread) on the same random inputs, with
/// the checked backend's outputs poisoned with NaN first, and compares. Written against `Backend` alone, so a
/// new backend gets every check for free; `KernelCheckHooks` lets it also cross its alternative kernels and
/// poison its KV cache. Needs no files or toolchain: a GPU machine runs it from the release binary.
public enum KernelCheck {
    /// The standard set of checks, on awkward sizes, including a 49,152-wide log-softmax.
    public static func run(_ backend: any Backend, seed: UInt64 = 0x5EC0_17E5) throws -> KernelCheckReport {
        var results: [KernelCheckResult] = []
        var s = seed
        func next() -> UInt64 { s &+= 1; return s }
        for type in [TensorType.f32, .f16] {
            for (n, k, m) in [(1, 7, 5), (7, 33, 9), (33, 577, 65), (130, 1537, 37)] {
                results.append(try matmul(backend, type: type, rows: n, columns: k, outputs: m, seed: next()))
            }
        }
        for type in [TensorType.q8_0, .q4_0, .q4_1] {
            for (n, k, m) in [(1, 32, 3), (5, 576, 70), (77, 1536, 66)] {
                results.append(try matmul(backend, type: type, rows: n, columns: k, outputs: m, seed: next()))
            }
        }
        // The default model's output head (49,152 × 576) at decode and beam widths.
        for (type, n) in [(TensorType.q8_0, 1), (.q4_1, 4)] {
            results.append(try matmul(backend, type: type, rows: n, columns: 576, outputs: 49_152, seed: next()))
        }
        results.append(try matmul(backend, type: .q4_1, rows: 300, columns: 576, outputs: 33, seed: next()))
        for type in [TensorType.q5_0, .q5_1] {
            results.append(try matmul(backend, type: type, rows: 5, columns: 576, outputs: 70, seed: next()))
        }
        for type in [TensorType.q2_K, .q3_K, .q4_K, .q5_K, .q6_K] {
            results.append(try matmul(backend, type: type, rows: 5, columns: 768, outputs: 33, seed: next()))
            results.append(try matmul(backend, type: type, rows: 77, columns: 512, outputs: 66, seed: next()))
        }
        for type in [TensorType.f32, .f16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K] {
            results.append(try embed(backend, type: type, tableRows: 50, columns: type.blockSize == 256 ? 768 : 576, tokens: 9, seed: next()))
        }
        results.append(try rmsNorm(backend, rows: 7, columns: 577, seed: next()))
        results.append(try rmsNorm(backend, rows: 2, columns: 49_152, seed: next()))
        results.append(try rope(backend, tokens: 9, heads: 3, headDimension: 64, ropeDimension: 64, seed: next()))
        results.append(try rope(backend, tokens: 5, heads: 2, headDimension: 48, ropeDimension: 32, seed: next()))
        results.append(try rope(backend, tokens: 7, heads: 3, headDimension: 72, ropeDimension: 40, pairing: .halves,
                                factors: true, positionScale: 0.25, seed: next()))
        results.append(try headRMSNorm(backend, rows: 7, heads: 5, headDimension: 72, seed: next()))
        results.append(try addBias(backend, rows: 7, columns: 577, seed: next()))
        results.append(try elementwise(backend, "siluMul", rows: 7, columns: 1537, seed: next()))
        results.append(try elementwise(backend, "add", rows: 7, columns: 1537, seed: next()))
        results.append(try elementwise(backend, "geluMul", rows: 7, columns: 1537, seed: next()))
        results.append(try unary(backend, "scale", rows: 5, columns: 577, constant: 16, seed: next()))
        results.append(try unary(backend, "softCap", rows: 3, columns: 49_153, constant: 30, inPlace: true, seed: next()))
        results.append(try gatherRows(backend, rows: 33, columns: 577, picks: 9, seed: next()))
        results.append(try attention(backend, sequenceLengths: [1, 70, 133], newTokens: 5, heads: 6, kvHeads: 2, headDimension: 64, blockSize: 16, seed: next()))
        results.append(try attention(backend, sequenceLengths: [40, 9], newTokens: 40, heads: 4, kvHeads: 4, headDimension: 128, blockSize: 7, seed: next()))
        results.append(try attention(backend, sequenceLengths: [300, 7, 1, 577], newTokens: 300, heads: 9, kvHeads: 3, headDimension: 64, blockSize: 16, seed: next()))
        // Gemma 2's local layers: a window shorter than most sequences (and longer than one), capped scores.
        results.append(try attention(backend, sequenceLengths: [1, 70, 133], newTokens: 9, heads: 4, kvHeads: 2, headDimension: 48,
                                     blockSize: 16, variant: AttentionVariant(window: 37, scoreSoftCap: 1.5), seed: next()))
        results.append(try attention(backend, sequenceLengths: [200, 5], newTokens: 70, heads: 2, kvHeads: 1, headDimension: 64,
                                     blockSize: 7, variant: AttentionVariant(window: 65), seed: next()))
        results.append(try kvCacheMaintenance(backend, seed: next()))
        results.append(try attentionBatchInvariance(backend, seed: next()))
        results.append(try logSoftmax(backend, rows: 3, vocabulary: 49_152, seed: next()))
        results.append(try logSoftmax(backend, rows: 6, vocabulary: 577, seed: next()))
        results.append(try matmulBatchInvariance(backend, type: .q4_1, rows: 67, columns: 576, outputs: 45, seed: next()))
        return KernelCheckReport(device: backend.name, results: results)
    }

    // MARK: single checks

    /// `x · Wᵀ` for an `rows × columns` x and `outputs × columns` weights of `type`; the tiled and the
    /// matrix-vector kernel must also agree bitwise.
    public static func matmul(_ backend: any Backend, type: TensorType, rows n: Int, columns k: Int, outputs m: Int,
                              seed: UInt64) throws -> KernelCheckResult {
        var random = CheckRandom(seed: seed)
        let cpu = CPUBackend(threads: 1)
        let weight = try WeightTensor.quantized(name: "w", type: type, rows: m, columns: k, values: random.signedUnits(m * k))
        let x = random.signedUnits(n * k)
        let want = try runCPU(cpu) { b in
            let out = try b.makeActivations(rows: n, columns: m)
            try b.matmul(b.makeActivations(rows: n, columns: k, values: x), weight: b.upload(weight), into: out)
            return try b.read(out)
        }
        let w = try backend.upload(weight), xt = try backend.makeActivations(rows: n, columns: k, values: x)
        func run() throws -> [Float] {
            let out = try poisoned(backend, rows: n, columns: m)
            try backend.matmul(xt, weight: w, into: out)
            return try backend.read(out)
        }
        let hooks = backend as? any KernelCheckHooks
        let variants = hooks?.matmulVariants ?? []
        // Every variant is compared with the reference, and with the first variant bitwise.
        let outputs: [[Float]]
        if let hooks, !variants.isEmpty {
            outputs = try variants.map { try hooks.withMatmulVariant($0, run) }
        } else {
            outputs = [try run()]
        }
        var result = compare("matmul \(type)", "\(n)×\(k) · (\(m)×\(k))ᵀ", got: outputs[0], want: want, tolerance: 4e-6)
        for (name, output) in zip(variants, outputs).dropFirst() {
            let other = compare("", "", got: output, want: want, tolerance: 4e-6)
            result.maxError = max(result.maxError, other.maxError)
            if !bitwiseEqual(outputs[0], output) {
                result.problems.append("\(variants[0]) and \(name) kernels differ bitwise")
            }
        }
        return result
    }

    /// Each row of a batch matmul must equal, bitwise, the same row computed alone.
    public static func matmulBatchInvariance(_ backend: any Backend, type: TensorType, rows n: Int, columns k: Int,
                                             outputs m: Int, seed: UInt64) throws -> KernelCheckResult {
        var random = CheckRandom(seed: seed)
        let weight = try WeightTensor.quantized(name: "w", type: type, rows: m, columns: k, values: random.signedUnits(m * k))
        let x = random.signedUnits(n * k)
        let w = try backend.upload(weight)
        let batch = try poisoned(backend, rows: n, columns: m)
        try backend.matmul(backend.makeActivations(rows: n, columns: k, values: x), weight: w, into: batch)
        let together = try backend.read(batch)
        var problems: [String] = []
        for r in [0, n / 2, n - 1] {
            let single = try poisoned(backend, rows: 1, columns: m)
            try backend.matmul(backend.makeActivations(rows: 1, columns: k, values: Array(x[r * k..<(r + 1) * k])), weight: w, into: single)
            if !bitwiseEqual(try backend.read(single), Array(together[r * m..<(r + 1) * m])) {
                problems.append("row \(r) alone differs from row \(r) in a batch of \(n)")
            }
        }
        return KernelCheckResult(operation: "matmul batch invariance \(type)", shape: "\(n)×\(k) · (\(m)×\(k))ᵀ",
                                 maxError: 0, allowedError: 0, problems: problems)
    }

    public static func embed(_ backend: any Backend, type: TensorType, tableRows: Int, columns: Int, tokens count: Int,
                             seed: UInt64) throws -> KernelCheckResult {
        var random = CheckRandom(seed: seed)
        let table = try WeightTensor.quantized(name: "table", type: type, rows: tableRows, columns: columns, values: random.signedUnits(tableRows * columns))
        let tokens = (0..<count).map { _ in TokenID(random.next(below: tableRows)) }
        let want = try runCPU(CPUBackend(threads: 1)) { b in
            let out = try b.makeActivations(rows: count, columns: columns)
            try b.embed(tokens: tokens, table: b.upload(table), into: out)
            return try b.read(out)
        }
        let out = try poisoned(backend, rows: count, columns: columns)
        try backend.embed(tokens: tokens, table: backend.upload(table), into: out)
        return compare("embed \(type)", "\(count) tokens of \(tableRows)×\(columns)", got: try backend.read(out), want: want, tolerance: 1e-6)
    }

    public static func rmsNorm(_ backend: any Backend, rows: Int, columns: Int, seed: UInt64) throws -> KernelCheckResult {
        var random = CheckRandom(seed: seed)
        let weight = try WeightTensor.quantized(name: "norm", type: .f32, rows: 1, columns: columns, values: random.signedUnits(columns))
        let x = random.signedUnits(rows * columns, scale: 3)
        let want = try runCPU(CPUBackend(threads: 1)) { b in
            let out = try b.makeActivations(rows: rows, columns: columns)
            try b.rmsNorm(b.makeActivations(rows: rows, columns: columns, values: x), weight: b.upload(weight), epsilon: 1e-5, into: out)
            return try b.read(out)
        }
        let out = try poisoned(backend, rows: rows, columns: columns)
        try backend.rmsNorm(backend.makeActivations(rows: rows, columns: columns, values: x), weight: backend.upload(weight),
                            epsilon: 1e-5, into: out)
        return compare("rmsNorm", "\(rows)×\(columns)", got: try backend.read(out), want: want, tolerance: 2e-6)
    }

    /// RoPE on random rows at random positions below 5000; `factors` draws random frequency divisors in [1, 8].
    public static func rope(_ backend: any Backend, tokens: Int, heads: Int, headDimension: Int, ropeDimension: Int,
                            pairing: RotaryEmbedding.Pairing = .adjacent, factors: Bool = false,
                            positionScale: Double = 1, seed: UInt64) throws -> KernelCheckResult {
        var random = CheckRandom(seed: seed)
        let columns = heads * headDimension
        let x = random.signedUnits(tokens * columns)
        let positions = (0..<tokens).map { _ in Int32(random.next(below: 5000)) }
        let divisors = factors ? random.signedUnits(ropeDimension / 2).map { 4.5 + 3.5 * $0 } : nil
        let rotary = RotaryEmbedding(dimension: ropeDimension, base: 10_000, pairing: pairing, frequencyFactors: divisors,
                                     positionScale: positionScale)
        func apply(_ b: any Backend) throws -> [Float] {
            let t = try b.makeActivations(rows: tokens, columns: columns, values: x)
            try b.rope(t, positions: positions, heads: heads, headDimension: headDimension, rotary: rotary)
            return try b.read(t)
        }
        let variant = "\(pairing)\(factors ? ", frequency factors" : "")\(positionScale != 1 ? ", position scale \(positionScale)" : "")"
        return compare("rope", "\(tokens) tokens × \(heads) heads × \(headDimension), rope \(ropeDimension), \(variant)",
                       got: try apply(backend), want: try apply(CPUBackend(threads: 1)), tolerance: 1e-6)
    }

    /// The per-head RMSNorm (Qwen 3's query and key norms) on random rows, written in place as the models do.
    public static func headRMSNorm(_ backend: any Backend, rows: Int, heads: Int, headDimension: Int,
                                   seed: UInt64) throws -> KernelCheckResult {
        var random = CheckRandom(seed: seed)
        let weight = try WeightTensor.quantized(name: "head norm", type: .f32, rows: 1, columns: headDimension,
                                                values: random.signedUnits(headDimension))
        let x = random.signedUnits(rows * heads * headDimension, scale: 3)
        func apply(_ b: any Backend) throws -> [Float] {
            let t = try b.makeActivations(rows: rows, columns: heads * headDimension, values: x)
            try b.headRMSNorm(t, weight: b.upload(weight), heads: heads, epsilon: 1e-6, into: t)
            return try b.read(t)
        }
        return compare("headRMSNorm", "\(rows) rows × \(heads) heads × \(headDimension)", got: try apply(backend),
                       want: try apply(CPUBackend(threads: 1)), tolerance: 2e-6)
    }

    /// A bias row added to every row of a random matrix (Qwen 2's query, key and value biases).
    public static func addBias(_ backend: any Backend, rows: Int, columns: Int, seed: UInt64) throws -> KernelCheckResult {
        var random = CheckRandom(seed: seed)
        let x = random.signedUnits(rows * columns, scale: 4), bias = random.signedUnits(columns)
        func apply(_ b: any Backend) throws -> [Float] {
            let out = try poisoned(b, rows: rows, columns: columns)
            try b.addBias(b.makeActivations(rows: rows, columns: columns, values: x),
                          bias: b.makeActivations(rows: 1, columns: columns, values: bias), into: out)
            return try b.read(out)
        }
        // One float addition per element on every backend: exact agreement.
        return compare("addBias", "\(rows)×\(columns)", got: try apply(backend), want: try apply(CPUBackend(threads: 1)),
                       tolerance: 0)
    }

    /// `scale` or `softCap` on a random matrix whose entries reach past the cap (where tanh bends), in place
    /// when `inPlace` (both ops allow `out` to be `x`).
    public static func unary(_ backend: any Backend, _ op: String, rows: Int, columns: Int, constant: Float,
                             inPlace: Bool = false, seed: UInt64) throws -> KernelCheckResult {
        var random = CheckRandom(seed: seed)
        let x = random.signedUnits(rows * columns, scale: 3 * constant)
        func apply(_ backend: any Backend) throws -> [Float] {
            let xt = try backend.makeActivations(rows: rows, columns: columns, values: x)
            let out = inPlace ? xt : try poisoned(backend, rows: rows, columns: columns)
            if op == "scale" { try backend.scale(xt, by: constant, into: out) } else { try backend.softCap(xt, cap: constant, into: out) }
            return try backend.read(out)
        }
        // A multiplication is exact everywhere; tanh differs between libm and a device by an ulp or two.
        return compare(op, "\(rows)×\(columns), \(constant)\(inPlace ? ", in place" : "")", got: try apply(backend),
                       want: try apply(CPUBackend(threads: 1)), tolerance: op == "scale" ? 0 : 1e-6)
    }

    /// `siluMul`, `geluMul` or `add` on two random matrices.
    public static func elementwise(_ backend: any Backend, _ op: String, rows: Int, columns: Int, seed: UInt64) throws -> KernelCheckResult {
        var random = CheckRandom(seed: seed)
        let a = random.signedUnits(rows * columns, scale: 6), b = random.signedUnits(rows * columns, scale: 2)
        func apply(_ backend: any Backend) throws -> [Float] {
            let at = try backend.makeActivations(rows: rows, columns: columns, values: a)
            let bt = try backend.makeActivations(rows: rows, columns: columns, values: b)
            let out = try backend.makeActivations(rows: rows, columns: columns, values: Array(repeating: .nan, count: rows * columns))
            switch op {
            case "add": try backend.add(at, bt, into: out)
            case "geluMul": try backend.geluMul(gate: at, up: bt, into: out)
            default: try backend.siluMul(gate: at, up: bt, into: out)
            }
            return try backend.read(out)
        }
        return compare(op, "\(rows)×\(columns)", got: try apply(backend), want: try apply(CPUBackend(threads: 1)), tolerance: 1e-6)
    }

    public static func gatherRows(_ backend: any Backend, rows: Int, columns: Int, picks: Int, seed: UInt64) throws -> KernelCheckResult {
        var random = CheckRandom(seed: seed)
        let x = random.signedUnits(rows * columns)
        let chosen = (0..<picks).map { _ in Int32(random.next(below: rows)) }
        let want = chosen.flatMap { x[Int($0) * columns..<(Int($0) + 1) * columns] }
        let out = try poisoned(backend, rows: picks, columns: columns)
        try backend.gatherRows(backend.makeActivations(rows: rows, columns: columns, values: x), rows: chosen, into: out)
        return compare("gatherRows", "\(picks) of \(rows)×\(columns)", got: try backend.read(out), want: want, tolerance: 0)
    }

    /// Stores keys and values for every position of sequences of the given lengths (block tables
    /// shuffled), then attends with each sequence's last `newTokens` positions as the new tokens.
    public static func attention(_ backend: any Backend, sequenceLengths: [Int], newTokens: Int, heads: Int, kvHeads: Int,
                                 headDimension: Int, blockSize: Int, variant: AttentionVariant = .causal,
                                 seed: UInt64) throws -> KernelCheckResult {
        var random = CheckRandom(seed: seed)
        let scenario = AttentionScenario(sequenceLengths: sequenceLengths, newTokens: newTokens, heads: heads, kvHeads: kvHeads,
                                         headDimension: headDimension, blockSize: blockSize, random: &random)
        let want = try scenario.run(on: CPUBackend(threads: 1), variant: variant)
        let got = try scenario.run(on: backend, variant: variant)
        let shown = variant.isCausal ? "" : ", \(variant)"
        return compare("attention", "lengths \(sequenceLengths), \(heads)/\(kvHeads) heads × \(headDimension), block \(blockSize)\(shown)",
                       got: got, want: want, tolerance: 4e-6)
    }

    /// Each new token's attention output computed alone must equal, bitwise, its output in the full batch.
    public static func attentionBatchInvariance(_ backend: any Backend, seed: UInt64) throws -> KernelCheckResult {
        var random = CheckRandom(seed: seed)
        let scenario = AttentionScenario(sequenceLengths: [90, 3, 65], newTokens: 4, heads: 4, kvHeads: 2, headDimension: 64,
                                         blockSize: 16, random: &random)
        let together = try scenario.run(on: backend)
        let width = scenario.heads * scenario.headDimension
        var problems: [String] = []
        for t in [0, scenario.batch.tokenCount / 2, scenario.batch.tokenCount - 1] {
            let alone = try scenario.only(token: t).run(on: backend)
            if !bitwiseEqual(alone, Array(together[t * width..<(t + 1) * width])) {
                problems.append("token \(t) alone differs from token \(t) in a batch of \(scenario.batch.tokenCount)")
            }
        }
        return KernelCheckResult(operation: "attention batch invariance", shape: "lengths [90, 3, 65]", maxError: 0,
                                 allowedError: 0, problems: problems)
    }

    /// `growKVCache` and `copyKVBlock`: after storing, growing and copying a block to a fresh block number
    /// that replaces it in the table, attention must match attention over the original cache.
    public static func kvCacheMaintenance(_ backend: any Backend, seed: UInt64) throws -> KernelCheckResult {
        var random = CheckRandom(seed: seed)
        let scenario = AttentionScenario(sequenceLengths: [37, 20], newTokens: 3, heads: 4, kvHeads: 2, headDimension: 32,
                                         blockSize: 8, random: &random)
        let want = try scenario.run(on: CPUBackend(threads: 1))
        let got = try scenario.run(on: backend, growAndCopy: true)
        return compare("growKVCache + copyKVBlock", "2 sequences, block 8", got: got, want: want, tolerance: 4e-6)
    }

    /// Targets, argmax (with a planted tie), top-k and full rows against the CPU reference.
    public static func logSoftmax(_ backend: any Backend, rows: Int, vocabulary: Int, seed: UInt64) throws -> KernelCheckResult {
        var random = CheckRandom(seed: seed)
        var logits = random.signedUnits(rows * vocabulary, scale: 8)
        var queries: [PositionQuery] = []
        for r in 0..<rows {
            // A tie for the maximum: the lower id must win, in argmax and in top-k order.
            let a = random.next(below: vocabulary), b = random.next(below: vocabulary)
            logits[r * vocabulary + a] = 9
            logits[r * vocabulary + b] = 9
            let targets = (0..<(r % 3 + 1)).map { _ in TokenID(random.next(below: vocabulary)) } + [TokenID(a)]
            queries.append(PositionQuery(targets: targets, topK: [0, 1, 5, 40][r % 4], fullRow: r % 2 == 1))
        }
        let want = try CPUBackend(threads: 1).logSoftmax(CPUBackend(threads: 1).makeActivations(rows: rows, columns: vocabulary, values: logits), queries: queries)
        let got = try backend.logSoftmax(backend.makeActivations(rows: rows, columns: vocabulary, values: logits), queries: queries)
        var problems: [String] = []
        var gotValues: [Float] = [], wantValues: [Float] = []
        for r in 0..<rows {
            if got[r].argmax != want[r].argmax { problems.append("row \(r): argmax \(got[r].argmax), want \(want[r].argmax)") }
            if got[r].topK.map(\.token) != want[r].topK.map(\.token) {
                problems.append("row \(r): top-\(queries[r].topK) ids \(got[r].topK.map(\.token).prefix(8)), want \(want[r].topK.map(\.token).prefix(8))")
            }
            if got[r].targetLogProbs.count != want[r].targetLogProbs.count || got[r].fullRow.count != want[r].fullRow.count
                || got[r].topK.count != want[r].topK.count {
                problems.append("row \(r): answer sizes differ")
                continue
            }
            gotValues += [got[r].argmaxLogProb] + got[r].targetLogProbs + got[r].topK.map(\.logProb) + got[r].fullRow
            wantValues += [want[r].argmaxLogProb] + want[r].targetLogProbs + want[r].topK.map(\.logProb) + want[r].fullRow
        }
        var result = compare("logSoftmax", "\(rows)×\(vocabulary)", got: gotValues, want: wantValues, tolerance: 2e-6)
        result.problems += problems
        return result
    }

    // MARK: helpers

    static func poisoned(_ backend: any Backend, rows: Int, columns: Int) throws -> DeviceTensor {
        try backend.makeActivations(rows: rows, columns: columns, values: Array(repeating: .nan, count: rows * columns))
    }

    static func runCPU(_ backend: CPUBackend, _ body: (CPUBackend) throws -> [Float]) throws -> [Float] { try body(backend) }

    static func bitwiseEqual(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
    }

    /// Max |got − want|, infinite when counts differ or a value is NaN or a mismatched infinity.
    static func compare(_ operation: String, _ shape: String, got: [Float], want: [Float], tolerance: Float) -> KernelCheckResult {
        var maxError: Float = got.count == want.count ? 0 : .infinity
        var scale: Float = 0
        for (g, w) in zip(got, want) {
            if w.isFinite { scale = max(scale, abs(w)) }
            if g.isNaN || w.isNaN || (!g.isFinite || !w.isFinite) && g != w { maxError = .infinity; continue }
            if g.isFinite { maxError = max(maxError, abs(g - w)) }
        }
        return KernelCheckResult(operation: operation, shape: shape, maxError: maxError,
                                 allowedError: tolerance * max(1, scale), problems: [])
    }
}
