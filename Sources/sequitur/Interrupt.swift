import Foundation

/// Ctrl-C and SIGTERM handling for long runs: the first signal sets a flag that batch loops and decoders poll,
/// so the run stops after the batch or step in flight with every written line whole (and the terminal line
/// ended); a second exits at once. SIGTERM is what Slurm and Kubernetes send before they kill a preempted or
/// requeued task, so it gets the same clean stop. The exit status is 128 + the signal (130, 143), as a shell
/// reports an interrupted command.
enum Interrupt {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    private static let flag = AtomicFlag()
    nonisolated(unsafe) private static var signalNumber: Int32 = SIGINT

    static var requested: Bool { flag.isSet }

    /// The exit status for the signal that stopped the run.
    static var exitStatus: Int32 { 128 + signalNumber }

    /// Installs the handlers (idempotent). `onFirst` runs on the first signal, on a background queue.
    static func install(onFirst: @escaping @Sendable () -> Void = {}) {
        guard sources.isEmpty else { return }
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: number, queue: .global())
            s.setEventHandler {
                if flag.isSet {
                    // Leave the terminal clean: reset attributes and end the line before exiting.
                    FileHandle.standardError.write(Data("\u{1B}[0m\n".utf8))
                    exit(128 + number)
                }
                signalNumber = number
                flag.set()
                onFirst()
                let name = number == SIGINT ? "interrupted" : "terminated"
                FileHandle.standardError.write(Data("\u{1B}[0m\n\(name): stopping after the current step (signal again to quit now)\n".utf8))
            }
            s.resume()
            sources.append(s)
        }
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
