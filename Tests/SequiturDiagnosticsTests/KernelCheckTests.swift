import SequiturCore
import SequiturCPU
import SequiturDiagnostics
import Testing

/// The kernel check is generic over `Backend`: it must pass a correct backend and fail a wrong one, naming the
/// op. (The OpenCL tests run the same check on the OpenCL backend.)
@Suite struct KernelCheckTests {
    @Test func theMultithreadedCPUBackendPassesAgainstTheOneThreadReference() throws {
        let report = try KernelCheck.run(CPUBackend(threads: 2))
        #expect(report.results.count >= 40)
        for result in report.results { #expect(result.passed, "\(result)") }
        #expect(report.allPassed)
    }

    @Test(arguments: [
        (PerturbedBackend.Fault.matmul, "matmul"), (.rmsNorm, "rmsNorm"), (.attention, "attention"),
        (.logSoftmax, "logSoftmax"),
    ])
    func aWrongOpFailsItsChecksAndOnlyThose(fault: PerturbedBackend.Fault, operation: String) throws {
        let report = try KernelCheck.run(PerturbedBackend(fault))
        #expect(!report.allPassed)
        let failed = report.results.filter { !$0.passed }
        #expect(!failed.isEmpty)
        for result in failed {
            #expect(result.operation.hasPrefix(operation) || result.operation.hasPrefix("growKVCache") && operation == "attention",
                    "unexpected failure: \(result)")
        }
        // Batch-invariance checks compare the backend with itself, which a constant nudge does not break.
        let direct = report.results.filter { $0.operation.hasPrefix(operation) && !$0.operation.contains("invariance") }
        #expect(!direct.isEmpty && direct.allSatisfy { !$0.passed }, "every direct \(operation) check must fail")
    }

    @Test func poisoningACacheStaysInsideIt() throws {
        let backend = CPUBackend(threads: 1)
        let cache = try backend.makeKVCache(layers: 2, blockSize: 4, blockCapacity: 3, kvDimension: 8)
        try backend.fillKVBlocks(cache, blocks: 1..<3, with: .nan)
        #expect(throws: BackendError.self) { try backend.fillKVBlocks(cache, blocks: 2..<4, with: .nan) }
    }
}
