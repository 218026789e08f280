/// Bytes shown for people: valid UTF-8 as text with invisible characters escaped, other bytes as `\xNN`.
enum ReadableBytes {
    static func describe(_ bytes: [UInt8]) -> String {
        var out = ""
        var i = 0
        while i < bytes.count {
            let length = UTF8Sequence.completeLength(bytes, at: i)
            guard length > 0 else {
                out += "\\x" + hex(bytes[i])
                i += 1
                continue
            }
            let scalar = String(decoding: bytes[i..<(i + length)], as: UTF8.self).unicodeScalars.first!
            out += escaped(scalar)
            i += length
        }
        return out
    }

    private static func escaped(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        case "\\": return "\\\\"
        default:
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .unassigned, .privateUse, .surrogate:
                return "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default:
                return String(scalar)
            }
        }
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }
}

/// UTF-8 sequence structure, for holding back and describing partial characters.
enum UTF8Sequence {
    /// The length of the valid UTF-8 sequence starting at `i`, or 0 when the bytes there are not one
    /// (a stray continuation byte, an invalid lead, a bad or missing continuation).
    static func completeLength(_ bytes: [UInt8], at i: Int) -> Int {
        let expected = expectedLength(lead: bytes[i])
        guard expected > 0, i + expected <= bytes.count else { return 0 }
        for k in 1..<expected where !validContinuation(bytes[i + k], lead: bytes[i], position: k) { return 0 }
        return expected
    }

    /// How many bytes a sequence with this lead byte has; 0 for bytes that cannot start one.
    static func expectedLength(lead: UInt8) -> Int {
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: return 2
        case 0xE0...0xEF: return 3
        case 0xF0...0xF4: return 4
        default: return 0
        }
    }

    /// Whether `byte` may stand at `position` (1...3) of a sequence led by `lead` (excluding overlong
    /// forms, surrogates and code points above U+10FFFF, as the UTF-8 decoder does).
    static func validContinuation(_ byte: UInt8, lead: UInt8, position: Int) -> Bool {
        if position == 1 {
            switch lead {
            case 0xE0: return (0xA0...0xBF).contains(byte)
            case 0xED: return (0x80...0x9F).contains(byte)
            case 0xF0: return (0x90...0xBF).contains(byte)
            case 0xF4: return (0x80...0x8F).contains(byte)
            default: break
            }
        }
        return (0x80...0xBF).contains(byte)
    }

    /// How many bytes at the end of `bytes` are the valid beginning of a character still missing bytes
    /// (0 when `bytes` ends on a complete character or on bytes that can never become one).
    static func incompleteSuffixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        guard n > 0 else { return 0 }
        // A lead byte is at most 3 bytes back from the end for an incomplete sequence.
        for back in 1...min(3, n) {
            let lead = bytes[n - back]
            if (0x80...0xBF).contains(lead) { continue }
            let expected = expectedLength(lead: lead)
            guard expected > back else { return 0 }
            for k in 1..<back where !validContinuation(bytes[n - back + k], lead: lead, position: k) { return 0 }
            return back
        }
        return 0
    }
}
