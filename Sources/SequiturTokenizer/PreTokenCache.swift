import Foundation
import SequiturCore

/// A bounded cache of the tokens of short pre-tokens: text repeats the same words, and a lookup is far
/// cheaper than merging. Shared by all encode calls of one tokenizer.
///
/// An encode call checks the table out for its whole duration (one lock round trip per call, not per
/// pre-token) and checks it back in at the end; a call that finds it checked out by another thread works
/// with a fresh table of its own, so concurrent calls never share mutable state.
final class PreTokenCache: @unchecked Sendable {
    private var table: PreTokenTable?
    private let lock = NSLock()  // guards `table`: the only mutable state of a shared tokenizer

    /// The shared table, or a new empty one when another call holds it.
    func checkOut() -> PreTokenTable {
        lock.lock()
        defer { lock.unlock() }
        guard let table else { return PreTokenTable() }
        self.table = nil
        return table
    }

    /// Returns a table; when two were out at once, the fuller one is kept.
    func checkIn(_ returned: PreTokenTable) {
        lock.lock()
        defer { lock.unlock() }
        if let table, table.count >= returned.count { return }
        table = returned
    }
}

/// Pre-token bytes → token ids, in flat arrays: an open-addressing hash table (linear probing, at most half
/// full) of indices into `entries`, whose keys and values live in one byte pool and one token pool. A lookup
/// allocates nothing. When `maxEntries` is reached everything is dropped and refilled (simple, and frequent
/// words come back at once).
struct PreTokenTable {
    /// Longer pre-tokens are rare and merged each time.
    static let maxKeyLength = 64
    static let maxEntries = 1 << 16

    private struct Entry {
        var hash: UInt64
        var keyStart: Int32
        var keyLength: Int32
        var valueStart: Int32
        var valueCount: Int32
    }

    /// Entry index + 1 per slot; 0 is empty. The count is a power of two.
    private var slots = [Int32](repeating: 0, count: 1024)
    private var entries: [Entry] = []
    private var keyBytes: [UInt8] = []
    private var valueTokens: [TokenID] = []
    /// Per-table random seed, so that text cannot be crafted to collide in every table.
    private let seed = UInt64.random(in: .min ... .max)

    var count: Int { entries.count }

    func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        // Eight bytes at a time, each word mixed in by multiply and xor-shift (the murmur3 finaliser constants).
        let n = key.count
        var h = seed ^ (UInt64(n) &* 0x9E37_79B9_7F4A_7C15)
        guard let base = key.baseAddress else { return h }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i + 8 <= n {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(key[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 29)
    }

    /// Appends the cached tokens of `key` (hashed `hash`) to `output`; false when it is not cached.
    func appendTokens(of key: UnsafeBufferPointer<UInt8>, hash: UInt64, to output: inout [TokenID]) -> Bool {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let index = Int(slots[slot]) - 1
            if index < 0 { return false }
            let entry = entries[index]
            if entry.hash == hash, Int(entry.keyLength) == key.count, keyMatches(entry, key) {
                let start = Int(entry.valueStart)
                output.append(contentsOf: valueTokens[start..<(start + Int(entry.valueCount))])
                return true
            }
            slot = (slot + 1) & mask
        }
    }

    /// Caches `tokens` for `key` (hashed `hash`), which must not be cached yet.
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64, tokens: ArraySlice<TokenID>) {
        if entries.count >= Self.maxEntries { removeAll() }
        if (entries.count + 1) * 2 > slots.count { grow() }
        entries.append(Entry(
            hash: hash, keyStart: Int32(keyBytes.count), keyLength: Int32(key.count),
            valueStart: Int32(valueTokens.count), valueCount: Int32(tokens.count)))
        keyBytes.append(contentsOf: key)
        valueTokens.append(contentsOf: tokens)
        place(entryIndex: entries.count - 1, hash: hash)
    }

    private func keyMatches(_ entry: Entry, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        keyBytes.withUnsafeBufferPointer { pool in
            memcmp(pool.baseAddress! + Int(entry.keyStart), key.baseAddress!, key.count) == 0
        }
    }

    private mutating func place(entryIndex: Int, hash: UInt64) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(entryIndex + 1)
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        for index in entries.indices { place(entryIndex: index, hash: entries[index].hash) }
    }

    private mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
        keyBytes.removeAll(keepingCapacity: true)
        valueTokens.removeAll(keepingCapacity: true)
        for k in slots.indices { slots[k] = 0 }
    }
}
