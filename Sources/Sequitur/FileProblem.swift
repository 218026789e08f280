import Foundation

/// The reason a file could not be read or written, in the words a person acts on ("is a directory", "no such
/// file", "permission denied") rather than Foundation's ("NSCocoaErrorDomain error 256").
public enum FileProblem {
    /// Why `error` happened to `path`: the path's own state when it explains it, else the POSIX cause Foundation
    /// wraps, else its description.
    public static func reason(_ error: any Error, path: String) -> String {
        if isDirectory(path) { return "is a directory, not a file" }
        let ns = error as NSError
        for candidate in [ns, ns.userInfo[NSUnderlyingErrorKey] as? NSError].compactMap({ $0 }) where candidate.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(candidate.code))).lowercased()
        }
        if ns.domain == NSCocoaErrorDomain {
            switch ns.code {
            case NSFileReadNoSuchFileError, NSFileNoSuchFileError: return "no such file"
            case NSFileReadNoPermissionError, NSFileWriteNoPermissionError: return "permission denied"
            case NSFileReadInapplicableStringEncodingError: return "not valid UTF-8 text"
            case NSFileWriteOutOfSpaceError: return "no space left on the device"
            default: break
            }
        }
        return ns.localizedDescription
    }

    /// Whether `path` names a directory (following symbolic links).
    public static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }
}
