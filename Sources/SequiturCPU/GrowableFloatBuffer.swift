import CSequiturKernels
import Foundation
import SequiturCore

/// A float buffer that grows without copying where the system allows it, counted in a ledger while it lives.
///
/// The KV cache grows while a search or a batch runs; a grow that allocates anew and copies holds the old and
/// the new buffer at once, and the copy touches every page of the old capacity. On Linux the buffer is an
/// anonymous mapping that `mremap` extends: pages move by their page tables and stay where they are in the
/// resident set, and pages never written are never resident. Elsewhere it falls back to allocate-and-copy.
/// The memory is not zeroed: callers write every element before they read it.
final class GrowableFloatBuffer: @unchecked Sendable {
    // @unchecked Sendable: written only by backend ops on disjoint ranges; grown only between ops.
    private(set) var pointer: UnsafeMutablePointer<Float>
    private(set) var count: Int
    private var bytes: Int
    private let ledger: MemoryLedger
    private let backendName: String

    init(count: Int, ledger: MemoryLedger, backendName: String) throws {
        self.ledger = ledger
        self.backendName = backendName
        let bytes = try Self.byteCount(count, backendName: backendName)
        guard ledger.reserve(bytes) else { throw BackendError.outOfMemory(backend: backendName, requestedBytes: bytes) }
        guard let raw = Self.map(bytes) else {
            ledger.remove(bytes)
            throw BackendError.outOfMemory(backend: backendName, requestedBytes: bytes)
        }
        pointer = raw.assumingMemoryBound(to: Float.self)
        self.count = count
        self.bytes = bytes
    }

    /// Makes room for `newCount` floats, keeping the first `count`; `pointer` may change.
    func grow(to newCount: Int) throws {
        guard newCount > count else { return }
        let newBytes = try Self.byteCount(newCount, backendName: backendName)
        guard ledger.reserve(newBytes - bytes) else {
            throw BackendError.outOfMemory(backend: backendName, requestedBytes: newBytes)
        }
        guard let raw = Self.remap(UnsafeMutableRawPointer(pointer), from: bytes, to: newBytes) else {
            ledger.remove(newBytes - bytes)
            throw BackendError.outOfMemory(backend: backendName, requestedBytes: newBytes)
        }
        pointer = raw.assumingMemoryBound(to: Float.self)
        count = newCount
        bytes = newBytes
    }

    deinit {
        Self.unmap(UnsafeMutableRawPointer(pointer), bytes)
        ledger.remove(bytes)
    }

    /// Whole pages (at least one), or the request's size in an error when it overflows.
    private static func byteCount(_ count: Int, backendName: String) throws -> Int {
        let page = Int(getpagesize())
        let (raw, overflow) = max(count, 1).multipliedReportingOverflow(by: MemoryLayout<Float>.stride)
        guard count >= 0, !overflow, raw <= Int.max - page else {
            throw BackendError.outOfMemory(backend: backendName, requestedBytes: Int.max)
        }
        return (raw + page - 1) / page * page
    }

    private static func map(_ bytes: Int) -> UnsafeMutableRawPointer? { sq_pages_map(bytes) }

    private static func remap(_ old: UnsafeMutableRawPointer, from: Int, to: Int) -> UnsafeMutableRawPointer? {
        sq_pages_grow(old, from, to)
    }

    private static func unmap(_ p: UnsafeMutableRawPointer, _ bytes: Int) { sq_pages_unmap(p, bytes) }
}
