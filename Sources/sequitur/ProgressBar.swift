import Foundation

/// A one-line progress display on standard error: items done of total, tokens/s and the time left.
///
/// On a terminal it redraws in place (at most 10 times a second); in a log (not a TTY) it prints a plain line at
/// most every 10 seconds, so CI logs stay readable.
final class ProgressBar {
    private let label: String
    private let start = Date()
    private var lastDraw = Date.distantPast
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var drewInPlace = false

    init(label: String) { self.label = label }

    func update(done: Int, total: Int, tokens: Int, force: Bool = false) {
        let now = Date()
        let interval: TimeInterval = isTerminal ? 0.1 : 10
        guard force || now.timeIntervalSince(lastDraw) >= interval || done == total else { return }
        lastDraw = now
        let elapsed = max(now.timeIntervalSince(start), 1e-9)
        let rate = Double(tokens) / elapsed
        let remaining = done > 0 ? elapsed / Double(done) * Double(total - done) : .nan
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let width = 24
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = String(format: "%@ %@ %d/%d  %.0f tok/s  %@ left", label, bar, done, total, rate, Self.format(remaining))
        if isTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
            drewInPlace = true
        } else {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// Ends the in-place line so later output starts on a fresh line.
    func finish() {
        if drewInPlace { FileHandle.standardError.write(Data("\n".utf8)) }
        drewInPlace = false
    }

    static func format(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%02d:%02d", s / 60, s % 60)
    }
}
