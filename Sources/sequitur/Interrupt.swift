import Foundation

/// Ctrl-C handling for long runs: the first SIGINT sets a flag that batch loops poll, so the run stops after the
/// batch in flight with every written line whole (and the terminal line ended); a second SIGINT exits at once.
enum Interrupt {
    nonisolated(unsafe) private static var source: DispatchSourceSignal?
    private static let flag = AtomicFlag()

    static var requested: Bool { flag.isSet }

    /// Installs the handler (idempotent). `onFirst` runs on the first Ctrl-C, on a background queue.
    static func install(onFirst: @escaping @Sendable () -> Void = {}) {
        guard source == nil else { return }
        signal(SIGINT, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        s.setEventHandler {
            if flag.isSet {
                // Leave the terminal clean: reset attributes and end the line before exiting.
                FileHandle.standardError.write(Data("\u{1B}[0m\n".utf8))
                exit(130)
            }
            flag.set()
            onFirst()
            FileHandle.standardError.write(Data("\u{1B}[0m\ninterrupted: stopping after the current step (Ctrl-C again to quit now)\n".utf8))
        }
        s.resume()
        source = s
    }
}

/// A set-once flag readable from any thread.
final class AtomicFlag: @unchecked Sendable {
    // A lock rather than an atomic: this is polled once per batch, never on a hot path.
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}
