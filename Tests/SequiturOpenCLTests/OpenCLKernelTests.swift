import Foundation
import SequiturCore
import SequiturCPU
import SequiturOpenCL
import SequiturDiagnostics
import Testing

/// Whether these tests run: wherever an OpenCL device exists, and always under CI (which installs PoCL),
/// where a missing platform must fail loudly instead of skipping.
let openCLTestsEnabled = OpenCLBackend.isAvailable || ProcessInfo.processInfo.environment["CI"] != nil

/// Every kernel against the CPU reference on random inputs of awkward sizes; outputs are poisoned with NaN
/// before each run (see `KernelCheck`), so an element a kernel forgets to write fails the comparison.
@Suite(.enabled(if: openCLTestsEnabled, "no OpenCL platform (install ocl-icd-opencl-dev opencl-headers pocl-opencl-icd)"))
struct OpenCLKernelTests {
    let backend: OpenCLBackend

    init() throws { backend = try OpenCLBackend() }

    func expectPass(_ result: KernelCheckResult) {
        #expect(result.passed, "\(result)")
    }

    @Test("matmul F32/F16 against CPU, tiled and vector kernels bitwise equal",
          arguments: [TensorType.f32, .f16], [(1, 1, 1), (1, 7, 5), (7, 33, 9), (33, 577, 65), (300, 1537, 3), (9, 1537, 70)])
    func matmulPlain(type: TensorType, shape: (Int, Int, Int)) throws {
        expectPass(try KernelCheck.matmul(backend, type: type, rows: shape.0, columns: shape.1, outputs: shape.2, seed: UInt64(shape.1 * 31 + shape.0)))
    }

    @Test("matmul quantised weights against CPU",
          arguments: [TensorType.q8_0, .q4_0, .q4_1, .q5_0, .q5_1], [(1, 32, 1), (7, 576, 33), (65, 1536, 70), (2, 1536, 577), (300, 96, 7)])
    func matmulQuantised(type: TensorType, shape: (Int, Int, Int)) throws {
        expectPass(try KernelCheck.matmul(backend, type: type, rows: shape.0, columns: shape.1, outputs: shape.2, seed: UInt64(shape.2 * 7 + shape.0)))
    }

    @Test("matmul K-quant weights against CPU",
          arguments: [TensorType.q2_K, .q3_K, .q4_K, .q5_K, .q6_K], [(1, 256, 1), (7, 768, 33), (65, 1536, 70), (2, 512, 577), (300, 256, 7)])
    func matmulKQuants(type: TensorType, shape: (Int, Int, Int)) throws {
        expectPass(try KernelCheck.matmul(backend, type: type, rows: shape.0, columns: shape.1, outputs: shape.2, seed: UInt64(shape.2 * 13 + shape.0)))
    }

    /// The output head's shape: 49,152 weight rows, one and a few activation rows (decode and beam steps).
    @Test("matmul with 49,152 outputs", arguments: [TensorType.q8_0, .q4_1, .f16])
    func matmulVocabularyWide(type: TensorType) throws {
        expectPass(try KernelCheck.matmul(backend, type: type, rows: 3, columns: 64, outputs: 49_152, seed: 21))
    }

    @Test("a row's matmul result does not depend on its batch", arguments: [TensorType.f32, .q4_0, .q8_0, .q5_1, .q4_K, .q6_K])
    func matmulBatchInvariance(type: TensorType) throws {
        expectPass(try KernelCheck.matmulBatchInvariance(backend, type: type, rows: 77, columns: type.blockSize == 256 ? 768 : 576,
                                                         outputs: 67, seed: 11))
    }

    @Test("embedding gather dequantises table rows",
          arguments: [TensorType.f32, .f16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K])
    func embed(type: TensorType) throws {
        // Dequantisation is the CPU backend's arithmetic element for element: the gathered rows are bitwise equal.
        for check in [try KernelCheck.embed(backend, type: type, tableRows: 33, columns: 1536, tokens: 7, seed: 3),
                      try KernelCheck.embed(backend, type: type, tableRows: 300, columns: type.blockSize == 256 ? 256 : 32, tokens: 1, seed: 22)] {
            expectPass(check)
            #expect(check.maxError == 0, "\(check)")
        }
        if type == .f32 || type == .f16 {
            for columns in [1, 7, 577] {
                expectPass(try KernelCheck.embed(backend, type: type, tableRows: 9, columns: columns, tokens: 33, seed: UInt64(columns)))
            }
        }
    }

    @Test func rmsNorm() throws {
        expectPass(try KernelCheck.rmsNorm(backend, rows: 1, columns: 1, seed: 4))
        expectPass(try KernelCheck.rmsNorm(backend, rows: 33, columns: 1537, seed: 5))
        expectPass(try KernelCheck.rmsNorm(backend, rows: 300, columns: 7, seed: 23))
        expectPass(try KernelCheck.rmsNorm(backend, rows: 2, columns: 49_152, seed: 24))
    }

    @Test func rope() throws {
        expectPass(try KernelCheck.rope(backend, tokens: 1, heads: 1, headDimension: 2, ropeDimension: 2, seed: 6))
        expectPass(try KernelCheck.rope(backend, tokens: 33, heads: 9, headDimension: 64, ropeDimension: 64, seed: 7))
        expectPass(try KernelCheck.rope(backend, tokens: 7, heads: 3, headDimension: 80, ropeDimension: 34, seed: 8))
        expectPass(try KernelCheck.rope(backend, tokens: 33, heads: 5, headDimension: 128, ropeDimension: 128, pairing: .halves, seed: 30))
        expectPass(try KernelCheck.rope(backend, tokens: 9, heads: 2, headDimension: 70, ropeDimension: 46, pairing: .halves,
                                        factors: true, positionScale: 0.125, seed: 31))
        expectPass(try KernelCheck.rope(backend, tokens: 9, heads: 3, headDimension: 64, ropeDimension: 64, factors: true, seed: 32))
    }

    @Test func headRMSNormAndAddBias() throws {
        expectPass(try KernelCheck.headRMSNorm(backend, rows: 1, heads: 1, headDimension: 1, seed: 33))
        expectPass(try KernelCheck.headRMSNorm(backend, rows: 33, heads: 4, headDimension: 128, seed: 34))
        expectPass(try KernelCheck.headRMSNorm(backend, rows: 7, heads: 3, headDimension: 577, seed: 35))
        for (rows, columns) in [(1, 1), (33, 577), (300, 7), (2, 1537)] {
            let check = try KernelCheck.addBias(backend, rows: rows, columns: columns, seed: UInt64(36 + rows))
            expectPass(check)
            #expect(check.maxError == 0, "\(check)")
        }
    }

    @Test func elementwise() throws {
        for op in ["siluMul", "geluMul", "add"] {
            expectPass(try KernelCheck.elementwise(backend, op, rows: 1, columns: 7, seed: 9))
            expectPass(try KernelCheck.elementwise(backend, op, rows: 33, columns: 1537, seed: 10))
            expectPass(try KernelCheck.elementwise(backend, op, rows: 300, columns: 577, seed: 25))
            expectPass(try KernelCheck.elementwise(backend, op, rows: 1, columns: 49_152, seed: 26))
        }
    }

    @Test func scaleAndSoftCap() throws {
        expectPass(try KernelCheck.unary(backend, "scale", rows: 1, columns: 7, constant: 24, seed: 40))
        expectPass(try KernelCheck.unary(backend, "scale", rows: 33, columns: 1537, constant: -0.37, inPlace: true, seed: 41))
        expectPass(try KernelCheck.unary(backend, "softCap", rows: 7, columns: 577, constant: 30, seed: 42))
        expectPass(try KernelCheck.unary(backend, "softCap", rows: 2, columns: 49_153, constant: 2.5, inPlace: true, seed: 43))
    }

    @Test func gatherRows() throws {
        expectPass(try KernelCheck.gatherRows(backend, rows: 300, columns: 577, picks: 7, seed: 12))
        expectPass(try KernelCheck.gatherRows(backend, rows: 1, columns: 1, picks: 1, seed: 27))
        expectPass(try KernelCheck.gatherRows(backend, rows: 7, columns: 33, picks: 33, seed: 28))
    }

    @Test func attention() throws {
        expectPass(try KernelCheck.attention(backend, sequenceLengths: [1, 70, 133], newTokens: 5, heads: 6, kvHeads: 2,
                                             headDimension: 64, blockSize: 16, seed: 13))
        expectPass(try KernelCheck.attention(backend, sequenceLengths: [40, 9], newTokens: 40, heads: 4, kvHeads: 4,
                                             headDimension: 128, blockSize: 7, seed: 14))
        expectPass(try KernelCheck.attention(backend, sequenceLengths: [200], newTokens: 1, heads: 3, kvHeads: 1,
                                             headDimension: 33, blockSize: 32, seed: 15))
        // The default model's shape (9 query heads over 3 kv heads of 64), a 300-token prefill beside decodes.
        expectPass(try KernelCheck.attention(backend, sequenceLengths: [300, 7, 1, 577], newTokens: 300, heads: 9, kvHeads: 3,
                                             headDimension: 64, blockSize: 16, seed: 29))
    }

    /// Sliding windows shorter than most contexts, of one position, and past every context; soft-capped scores.
    @Test func attentionVariants() throws {
        expectPass(try KernelCheck.attention(backend, sequenceLengths: [1, 70, 133], newTokens: 9, heads: 4, kvHeads: 2,
                                             headDimension: 48, blockSize: 16,
                                             variant: AttentionVariant(window: 37, scoreSoftCap: 1.5), seed: 44))
        expectPass(try KernelCheck.attention(backend, sequenceLengths: [200, 5], newTokens: 70, heads: 2, kvHeads: 1,
                                             headDimension: 64, blockSize: 7, variant: AttentionVariant(window: 65), seed: 45))
        expectPass(try KernelCheck.attention(backend, sequenceLengths: [40, 9], newTokens: 40, heads: 4, kvHeads: 4,
                                             headDimension: 128, blockSize: 7, variant: AttentionVariant(window: 1), seed: 46))
        expectPass(try KernelCheck.attention(backend, sequenceLengths: [130], newTokens: 3, heads: 3, kvHeads: 1,
                                             headDimension: 33, blockSize: 32,
                                             variant: AttentionVariant(window: 1000, scoreSoftCap: 0.4), seed: 47))
        // Gemma's 256-wide heads (32-key chunks), windowed and not.
        expectPass(try KernelCheck.attention(backend, sequenceLengths: [100, 3], newTokens: 5, heads: 2, kvHeads: 1,
                                             headDimension: 256, blockSize: 16, variant: AttentionVariant(window: 40), seed: 48))
        expectPass(try KernelCheck.attention(backend, sequenceLengths: [77], newTokens: 77, heads: 4, kvHeads: 2,
                                             headDimension: 200, blockSize: 16, seed: 49))
    }

    @Test func attentionBatchInvariance() throws {
        expectPass(try KernelCheck.attentionBatchInvariance(backend, seed: 16))
    }

    @Test func kvCacheGrowAndBlockCopy() throws {
        expectPass(try KernelCheck.kvCacheMaintenance(backend, seed: 17))
    }

    @Test("log-softmax over a 49,152-token vocabulary: targets, argmax with ties, top-k, full rows")
    func logSoftmaxVocabulary() throws {
        expectPass(try KernelCheck.logSoftmax(backend, rows: 4, vocabulary: 49_152, seed: 18))
    }

    @Test func logSoftmaxSmallRows() throws {
        expectPass(try KernelCheck.logSoftmax(backend, rows: 5, vocabulary: 7, seed: 19))
        expectPass(try KernelCheck.logSoftmax(backend, rows: 8, vocabulary: 577, seed: 20))
        expectPass(try KernelCheck.logSoftmax(backend, rows: 3, vocabulary: 1, seed: 30))
        expectPass(try KernelCheck.logSoftmax(backend, rows: 7, vocabulary: 1537, seed: 31))
    }

    @Test("non-finite logits are answered like the host reference")
    func logSoftmaxNonFinite() throws {
        let logits: [Float] = [1, -.infinity, 3, 2, -.infinity, -.infinity, -.infinity, -.infinity]
        let t = try backend.makeActivations(rows: 2, columns: 4, values: logits)
        let answers = try backend.logSoftmax(t, queries: [PositionQuery(targets: [1, 2], topK: 2), .target(0)])
        #expect(answers[0].argmax == 2)
        #expect(answers[0].targetLogProbs[0] == -.infinity)
        #expect(answers[0].topK.map(\.token) == [2, 3])
        #expect(answers[1].argmaxLogProb == -.infinity)
    }

    @Test("NaN or +inf logits make the whole row NaN, as on the CPU")
    func logSoftmaxOverflowedRows() throws {
        let logits: [Float] = [0, .nan, 1, 2, .infinity, 0, 1, 2, 0, 1, 2, 3]
        let t = try backend.makeActivations(rows: 3, columns: 4, values: logits)
        let query = PositionQuery(targets: [0, 3], topK: 2, fullRow: true)
        let answers = try backend.logSoftmax(t, queries: [query, query, query])
        for answer in answers.prefix(2) {
            #expect(answer.argmaxLogProb.isNaN && answer.targetLogProbs.allSatisfy { $0.isNaN })
            #expect(answer.topK.allSatisfy(\.logProb.isNaN) && answer.fullRow.allSatisfy { $0.isNaN })
        }
        #expect(answers[2].fullRow.allSatisfy { $0.isFinite } && answers[2].argmax == 3)
    }
}

/// The wrapper's error reporting and device listing.
@Suite(.enabled(if: openCLTestsEnabled, "no OpenCL platform"))
struct OpenCLRuntimeTests {
    @Test func listsDevices() throws {
        let devices = try OpenCLBackend.listDevices()
        #expect(!devices.isEmpty)
        for device in devices {
            #expect(!device.name.isEmpty)
            #expect(device.computeUnits > 0)
            #expect(device.maxWorkGroupSize >= 256)
            #expect(device.localMemoryBytes >= 16 * 1024)
            #expect(device.globalMemoryBytes > 0)
        }
        #expect(try OpenCLBackend().name.hasPrefix("opencl:"))
    }

    /// The set `sequitur check-kernels` runs on a GPU machine passes here too, every check with a real comparison.
    @Test func standardKernelCheckPasses() throws {
        let report = try KernelCheck.run(OpenCLBackend())
        #expect(report.results.count >= 40)
        for result in report.results { #expect(result.passed, "\(result)") }
        #expect(report.allPassed)
    }

    @Test func missingDeviceIsNamed() throws {
        let count = try OpenCLBackend.listDevices().count
        #expect(throws: OpenCLError.noSuchDevice(index: count, available: count)) { try OpenCLBackend(deviceIndex: count) }
    }

    @Test func foreignAndMisshapenTensorsAreRejected() throws {
        let backend = try OpenCLBackend(), other = try OpenCLBackend(), cpu = CPUBackend(threads: 1)
        let x = try backend.makeActivations(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6])
        #expect(throws: BackendError.foreignTensor(backend: backend.name, operation: "add")) {
            try backend.add(x, other.makeActivations(rows: 2, columns: 3), into: x)
        }
        #expect(throws: BackendError.foreignTensor(backend: backend.name, operation: "read")) {
            try backend.read(cpu.makeActivations(rows: 1, columns: 1))
        }
        #expect(throws: BackendError.self) { try backend.gatherRows(x, rows: [2], into: backend.makeActivations(rows: 1, columns: 3)) }
        #expect(throws: BackendError.self) { try backend.embed(tokens: [0], table: x, into: backend.makeActivations(rows: 2, columns: 3)) }
    }

    @Test func allocatedBytesFollowBuffers() throws {
        let backend = try OpenCLBackend()
        let before = backend.allocatedBytes
        var cache: KVCacheStorage? = try backend.makeKVCache(layers: 2, blockSize: 16, blockCapacity: 3, kvDimension: 64)
        #expect(backend.allocatedBytes == before + 2 * 2 * 16 * 3 * 64 * 4)
        cache = try backend.growKVCache(cache!, blockCapacity: 5)
        #expect(backend.allocatedBytes == before + 2 * 2 * 16 * 5 * 64 * 4)
        cache = nil
        #expect(backend.allocatedBytes == before)
    }
}

/// Error text that needs no device.
@Test func openCLErrorsCarryTheirNames() {
    #expect(OpenCLError.name(of: -5) == "CL_OUT_OF_RESOURCES")
    #expect(OpenCLError.name(of: -54) == "CL_INVALID_WORK_GROUP_SIZE")
    #expect(OpenCLError.name(of: -1001) == "CL_PLATFORM_NOT_FOUND_KHR")
    #expect(OpenCLError.call(function: "clCreateBuffer", code: -4, detail: "8 bytes").description
            == "clCreateBuffer failed with CL_MEM_OBJECT_ALLOCATION_FAILURE (-4): 8 bytes")
    let missing = OpenCLError.noPlatform(code: -1001).description
    for package in ["ocl-icd-opencl-dev", "opencl-headers", "pocl-opencl-icd"] { #expect(missing.contains(package)) }
    #expect(missing.hasPrefix("no OpenCL platform found (CL_PLATFORM_NOT_FOUND_KHR)"))
    #expect(missing.contains("vendor's OpenCL driver"))
    #expect(OpenCLError.noPlatform(code: -1).description.hasPrefix("no OpenCL device found on any platform (CL_DEVICE_NOT_FOUND); install"))
    #expect(OpenCLError.buildFailed(program: "common+matmul", options: "-D X", device: "d", log: "error: oops").description.contains("error: oops"))
}
