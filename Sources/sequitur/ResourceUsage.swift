import Foundation

/// Memory figures from the kernel's own accounting.
enum ResourceUsage {
    /// Peak resident set size of this process in bytes (`VmHWM` in /proc/self/status), or nil where unavailable.
    static func peakResidentBytes() -> Int? {
        #if os(Linux)
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Int($0) }.first
            return kb.map { $0 * 1024 }
        }
        return nil
        #else
        var usage = rusage()
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)
        #endif
    }

    /// Starts a new peak: Linux resets `VmHWM` to the current resident size when "5" is written to
    /// /proc/self/clear_refs, so each benchmark reports its own peak. Returns false where that is unavailable.
    @discardableResult
    static func resetPeak() -> Bool {
        #if os(Linux)
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        return (try? handle.write(contentsOf: Data("5".utf8))) != nil
        #else
        return false
        #endif
    }
}
