import Foundation

/// A value too costly to build for every test or benchmark run (a model: its weights read and uploaded), built
/// by the first caller that needs it and then lent to one caller at a time.
///
/// Lending serially is the point, not only a guard: a `LlamaModel` is used from one thread at a time, and
/// Swift Testing runs tests in parallel. A failed build is not kept, so the next caller tries again (and fails
/// with its own error) instead of every later caller seeing the first one's.
///
/// @unchecked Sendable: `value` is only read or written with `lock` held.
public final class LoadedOnce<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private let load: @Sendable () throws -> Value
    private var value: Value?

    public init(_ load: @escaping @Sendable () throws -> Value) {
        self.load = load
    }

    /// Runs `body` with the value, building it first if no caller has yet; other callers wait meanwhile.
    public func with<T>(_ body: (Value) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        let loaded = try value ?? load()
        value = loaded
        return try body(loaded)
    }
}
