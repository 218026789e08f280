import Foundation
import SequiturCore

/// Counts the bytes a `CPUBackend` owns right now, so `allocatedBytes` is honest, and refuses to go past a
/// limit (the machine's memory by default): Linux overcommits, so an allocation far beyond the machine would
/// succeed and the zero-fill would end in the OOM killer, not in an error a caller can report.
///
/// Buffers register on allocation and unregister in `deinit`, which may run on any thread; the lock makes
/// that safe, hence `@unchecked Sendable`.
final class MemoryLedger: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = 0
    let limit: Int

    init(limit: Int) { self.limit = limit }

    var total: Int { lock.withLock { bytes } }

    /// Counts `count` more bytes, or returns false (counting nothing) when they would pass the limit.
    func reserve(_ count: Int) -> Bool {
        lock.withLock {
            let (sum, overflow) = bytes.addingReportingOverflow(count)
            guard !overflow, sum <= limit else { return false }
            bytes = sum
            return true
        }
    }
    func remove(_ count: Int) { lock.withLock { bytes -= count } }
}

/// A 64-byte-aligned buffer of `count` floats, zero-filled unless asked not to be, counted in a ledger while it
/// lives.
final class AlignedFloatBuffer: @unchecked Sendable {
    // @unchecked Sendable: the pointer is written only by backend ops, which never run concurrently on one buffer
    // except through disjoint row ranges.
    let pointer: UnsafeMutablePointer<Float>
    let count: Int
    private let ledger: MemoryLedger

    /// - Parameter zeroed: false leaves the memory as the allocator gives it: for buffers whose every element is
    ///   written before it is read, so that capacity not yet used is never touched and stays out of the resident
    ///   set (large allocations are fresh pages, mapped on first write).
    init(count: Int, ledger: MemoryLedger, backendName: String, zeroed: Bool = true) throws {
        let (bytes, overflow) = max(count, 1).multipliedReportingOverflow(by: MemoryLayout<Float>.stride)
        var memory: UnsafeMutableRawPointer?
        guard count >= 0, !overflow, ledger.reserve(bytes) else {
            throw BackendError.outOfMemory(backend: backendName, requestedBytes: overflow ? Int.max : bytes)
        }
        guard posix_memalign(&memory, 64, bytes) == 0, let raw = memory else {
            ledger.remove(bytes)
            throw BackendError.outOfMemory(backend: backendName, requestedBytes: bytes)
        }
        if zeroed { raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1)) }
        self.pointer = raw.assumingMemoryBound(to: Float.self)
        self.count = count
        self.ledger = ledger
    }

    deinit {
        free(pointer)
        ledger.remove(max(count, 1) * MemoryLayout<Float>.stride)
    }
}
