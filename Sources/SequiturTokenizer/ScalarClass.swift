/// The character classes the pre-tokenizer regexes test, as bit flags: `\p{L}`, `\p{N}`, `\s` and `[\r\n]`.
///
/// `\s` is the Unicode White_Space property, which is what the reference (Oniguruma inside HF `tokenizers`)
/// matches: tab, LF, VT, FF, CR, space, U+0085, U+00A0, U+1680, U+2000...U+200A, U+2028, U+2029, U+202F,
/// U+205F and U+3000 (checked against it; zero-width space and BOM are not whitespace).
struct ScalarClass: OptionSet {
    let rawValue: UInt8

    static let letter = ScalarClass(rawValue: 1)
    static let number = ScalarClass(rawValue: 2)
    static let whitespace = ScalarClass(rawValue: 4)
    /// Carriage return or line feed (always also `.whitespace`).
    static let newline = ScalarClass(rawValue: 8)

    /// Neither letter, number nor whitespace: `[^\s\p{L}\p{N}]`.
    var isOther: Bool { rawValue & 7 == 0 }

    static func of(_ scalar: Unicode.Scalar) -> ScalarClass {
        if scalar.value < 128 { return asciiTable[Int(scalar.value)] }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return scalar.properties.isWhitespace ? .whitespace : []
        }
    }

    /// The class of every scalar below U+10000 (none for surrogate code points), so that scanning text looks
    /// classes up instead of querying Unicode properties character by character.
    static let basicPlane: [ScalarClass] = (0..<0x10000).map { value in
        Unicode.Scalar(UInt32(value)).map(of) ?? []
    }

    private static let asciiTable: [ScalarClass] = (0..<128).map { value in
        switch UInt8(value) {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): return .letter
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        case 0x0A, 0x0D: return [.whitespace, .newline]
        case 0x09, 0x0B, 0x0C, 0x20: return .whitespace
        default: return []
        }
    }
}
