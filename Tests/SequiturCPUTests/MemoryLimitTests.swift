import SequiturCore
import SequiturCPU
import Testing

/// The CPU backend refuses allocations past its memory limit with an error, before touching any memory.
@Suite struct MemoryLimitTests {
    @Test func anAllocationPastTheLimitIsRefusedAndCountsNothing() throws {
        let backend = CPUBackend(threads: 1, memoryLimit: 1 << 20)
        let small = try backend.makeActivations(rows: 3, columns: 577)
        let before = backend.allocatedBytes
        #expect(before >= 3 * 577 * 4)
        #expect(throws: BackendError.outOfMemory(backend: backend.name, requestedBytes: 1000 * 1000 * 4)) {
            try backend.makeActivations(rows: 1000, columns: 1000)
        }
        #expect(backend.allocatedBytes == before)
        // What fits under the limit still allocates.
        _ = try backend.makeActivations(rows: 100, columns: 1000)
        _ = small
    }
}
