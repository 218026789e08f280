import Foundation
import SequiturCore

/// Counts the bytes a `CPUBackend` owns right now, so `allocatedBytes` is honest.
///
/// Buffers register on allocation and unregister in `deinit`, which may run on any thread; the lock makes
/// that safe, hence `@unchecked Sendable`.
final class MemoryLedger: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = 0

    var total: Int { lock.withLock { bytes } }

    func add(_ count: Int) { lock.withLock { bytes += count } }
    func remove(_ count: Int) { lock.withLock { bytes -= count } }
}

/// A 64-byte-aligned buffer of `count` floats, zero-filled, counted in a ledger while it lives.
final class AlignedFloatBuffer: @unchecked Sendable {
    // @unchecked Sendable: the pointer is written only by backend ops, which never run concurrently on one buffer
    // except through disjoint row ranges.
    let pointer: UnsafeMutablePointer<Float>
    let count: Int
    private let ledger: MemoryLedger

    init(count: Int, ledger: MemoryLedger, backendName: String) throws {
        let (bytes, overflow) = max(count, 1).multipliedReportingOverflow(by: MemoryLayout<Float>.stride)
        var memory: UnsafeMutableRawPointer?
        guard count >= 0, !overflow, posix_memalign(&memory, 64, bytes) == 0, let raw = memory else {
            throw BackendError.outOfMemory(backend: backendName, requestedBytes: overflow ? Int.max : bytes)
        }
        raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
        self.pointer = raw.assumingMemoryBound(to: Float.self)
        self.count = count
        self.ledger = ledger
        ledger.add(bytes)
    }

    deinit {
        free(pointer)
        ledger.remove(max(count, 1) * MemoryLayout<Float>.stride)
    }
}
