import SequiturCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a GGUF file: a read-only memory map of the file, or a private aligned copy of bytes given in
/// memory. Released when the last reference goes (tensors borrowed from the file keep it alive through
/// `WeightTensor.owner`).
final class GGUFBytes: @unchecked Sendable {
    // Sendable: `base` points at memory that is never written after `init` and is released only in `deinit`.
    let base: UnsafeRawPointer
    let count: Int
    private let isMapped: Bool
    /// The copy behind `base` when the bytes were given in memory.
    private let copy: AlignedBytes?

    /// Maps the file at `path` read-only. The mapping is private: later changes to the file on disk are not
    /// seen, except that truncating a mapped file makes reads past the new end fault, as with any mmap.
    init(mapping path: String) throws {
        // O_NONBLOCK: opening a FIFO (or a device) would otherwise wait forever for a writer before the
        // regular-file check below could refuse it. It changes nothing for regular files.
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { throw GGUFError.cannotOpen(path: path, reason: Self.errnoText()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw GGUFError.cannotOpen(path: path, reason: Self.errnoText()) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw GGUFError.cannotOpen(path: path, reason: "not a regular file")
        }
        guard info.st_size > 0 else { throw GGUFError.inFile(path: path, .emptyFile) }
        guard let size = Int(exactly: info.st_size) else {
            throw GGUFError.cannotOpen(path: path, reason: "file size \(info.st_size) is not addressable")
        }
        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw GGUFError.cannotOpen(path: path, reason: "mmap failed: \(Self.errnoText())")
        }
        base = UnsafeRawPointer(mapped)
        count = size
        isMapped = true
        copy = nil
    }

    /// Copies `bytes` into memory aligned to 64 bytes, so tensor data is as aligned as in a mapped file.
    init(copying bytes: [UInt8]) throws {
        let copy = AlignedBytes(copying: bytes)
        guard let base = copy.buffer.baseAddress, !bytes.isEmpty else { throw GGUFError.emptyFile }
        self.base = base
        self.copy = copy
        count = bytes.count
        isMapped = false
    }

    deinit {
        // A copy is freed by its `AlignedBytes`.
        if isMapped { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
