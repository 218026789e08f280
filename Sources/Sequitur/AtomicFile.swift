import Foundation

/// Writes a whole file so that a reader (or a crash) sees either the old file or the complete new one, never a
/// prefix: the bytes go to a temporary file beside the target, are flushed to disk, and the temporary file is
/// renamed over the target (a rename within one directory is atomic on POSIX file systems).
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw JSONLJobError.cannotWrite(url.path, "cannot create a temporary file in \(directory.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            try handle.write(contentsOf: data)
            // Without the flush, a crash soon after the rename can leave the new name pointing at empty blocks.
            try handle.synchronize()
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw JSONLJobError.cannotWrite(url.path, error.localizedDescription)
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw JSONLJobError.cannotWrite(url.path, "cannot rename the temporary file into place: \(reason)")
        }
    }
}
