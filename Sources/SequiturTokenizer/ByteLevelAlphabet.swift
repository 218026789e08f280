/// GPT-2's byte-to-unicode mapping: byte-level BPE vocabularies spell every byte as a printable character, so
/// that tokens are ordinary strings. Printable Latin-1 bytes (`!`..`~`, `¡`..`¬`, `®`..`ÿ`) stand for
/// themselves; the other 68 bytes (controls, space, soft hyphen, ...) are shifted to U+0100 and up in byte
/// order. A space is therefore spelled `Ġ` (U+0120) and a newline `Ċ` (U+010A).
public enum ByteLevelAlphabet {
    /// The character spelling each byte.
    static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var shifted: UInt32 = 256
        for byte in 0..<256 {
            if standsForItself(UInt8(byte)) {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                table[byte] = Unicode.Scalar(shifted)!
                shifted += 1
            }
        }
        return table
    }()

    /// How a byte-level vocabulary spells `byte` (what writers of vocabularies need: synthetic models, examples).
    public static func spelling(of byte: UInt8) -> String { String(scalarForByte[Int(byte)]) }

    /// The byte a character of the alphabet spells, indexed by scalar value (all are below U+0144);
    /// `-1` for characters that are not in the alphabet.
    static let byteForScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (byte, scalar) in scalarForByte.enumerated() { table[Int(scalar.value)] = Int16(byte) }
        return table
    }()

    /// The byte `scalar` spells, or nil when it is not a character of the alphabet.
    @inline(__always)
    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let value = Int(scalar.value)
        guard value < byteForScalar.count else { return nil }
        let byte = byteForScalar[value]
        return byte < 0 ? nil : UInt8(byte)
    }

    /// Whether every character of `text` belongs to the alphabet (a token written in byte-level spelling).
    static func spells(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { byte(for: $0) != nil }
    }

    /// `bytes` in byte-level spelling.
    static func spelling(of bytes: some Sequence<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        for byte in bytes { scalars.append(scalarForByte[Int(byte)]) }
        return String(scalars)
    }

    private static func standsForItself(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }
}
