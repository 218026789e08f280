/// A bounds-checked little-endian reader over the bytes of a GGUF file. Every read checks the bytes left
/// before touching memory, and every error names the offset and what was being read.
struct GGUFByteCursor {
    let base: UnsafeRawPointer
    let size: Int
    private(set) var offset: Int

    init(base: UnsafeRawPointer, size: Int, offset: Int = 0) {
        self.base = base
        self.size = size
        self.offset = offset
    }

    var remaining: Int { size - offset }

    /// Throws `truncated` unless `count` more bytes are available.
    @inline(__always)
    func require(_ count: UInt64, _ reading: @autoclosure () -> String) throws {
        guard count <= UInt64(remaining) else {
            throw GGUFError.truncated(offset: offset, needed: count, available: remaining, reading: reading())
        }
    }

    @inline(__always)
    mutating func read<T: FixedWidthInteger>(_: T.Type, _ reading: @autoclosure () -> String) throws -> T {
        try require(UInt64(MemoryLayout<T>.size), reading())
        let value = T(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return value
    }

    mutating func readFloat(_ reading: @autoclosure () -> String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, reading()))
    }

    mutating func readDouble(_ reading: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, reading()))
    }

    /// A `u64 length + bytes` string, valid UTF-8. The length is checked against the bytes left before
    /// anything is allocated.
    @inline(__always)
    mutating func readString(_ reading: @autoclosure () -> String) throws -> String {
        let start = offset
        let length = try read(UInt64.self, reading())
        guard length <= UInt64(remaining) else {
            throw GGUFError.countTooLarge(
                what: "string length", count: length, offset: start,
                limit: "only \(remaining) bytes are left, reading \(reading()); the file is truncated or corrupt")
        }
        let bytes = UnsafeRawBufferPointer(start: base + offset, count: Int(length))
        guard let string = Self.validatedString(bytes) else {
            throw GGUFError.invalidUTF8(offset: offset, reading: reading())
        }
        offset += Int(length)
        return string
    }

    /// A count that will drive an allocation of elements of at least `minimumSize` bytes each in the file:
    /// rejected unless that many elements could fit in the bytes left.
    mutating func readCount(_ what: String, minimumSize: Int, _ reading: @autoclosure () -> String) throws -> Int {
        let start = offset
        let count = try read(UInt64.self, reading())
        let (needed, overflow) = count.multipliedReportingOverflow(by: UInt64(minimumSize))
        if overflow || needed > UInt64(remaining) {
            throw GGUFError.countTooLarge(
                what: what, count: count, offset: start,
                limit: "needs at least \(minimumSize) bytes per element but only \(remaining) bytes are left, "
                    + "reading \(reading()); the file is truncated or corrupt")
        }
        return Int(count)
    }

    /// Reads `count` fixed-size integers in one go.
    mutating func readIntegers<T: FixedWidthInteger>(_: T.Type, count: Int, _ reading: @autoclosure () -> String) throws -> [T] {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<T>.size)
        guard !overflow else {
            throw GGUFError.countTooLarge(what: "array length", count: UInt64(count), offset: offset, limit: reading())
        }
        try require(UInt64(bytes), reading())
        let start = base + offset
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count {
                buffer[i] = T(littleEndian: start.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
            }
            initialized = count
        }
        offset += bytes
        return values
    }

    /// Moves to `newOffset`, which must be within the file.
    mutating func skip(to newOffset: Int, _ reading: @autoclosure () -> String) throws {
        guard newOffset >= offset else { return }
        try require(UInt64(newOffset - offset), reading())
        offset = newOffset
    }

    /// `bytes` as a String when they are valid UTF-8, nil otherwise.
    @inline(__always)
    static func validatedString(_ bytes: UnsafeRawBufferPointer) -> String? {
        if #available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, *) {
            return String(validating: bytes, as: UTF8.self)
        }
        // Older Apple systems: decoding replaces invalid sequences with U+FFFD, so the result re-encodes to
        // exactly the input only when the input was valid.
        let string = String(decoding: bytes, as: UTF8.self)
        return string.utf8.elementsEqual(bytes) ? string : nil
    }
}
