/// The character classes the pre-tokenizer regexes test, as bit flags: `\p{L}`, `\p{N}`, `\p{M}`, `\p{P}`,
/// `\s` and `[\r\n]`.
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
    /// `\p{M}`: a combining mark. Only Qwen 3.5's regex names it; to the others it is an "other" character.
    static let mark = ScalarClass(rawValue: 16)
    /// `\p{P}`: punctuation (connector, dash, open, close, initial, final, other). Also "other" to the
    /// regexes that do not name it.
    static let punctuation = ScalarClass(rawValue: 32)
    /// `\p{Lu}` or `\p{Lt}` (always also `.letter`): what GPT-4o's and Tekken's regexes call upper case.
    static let upperCase = ScalarClass(rawValue: 64)
    /// `\p{Ll}` (always also `.letter`).
    static let lowerCase = ScalarClass(rawValue: 128)

    /// `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`: a letter that is not lower case, or a mark (GPT-4o, Tekken).
    var isUpperRunMember: Bool { contains(.mark) || (contains(.letter) && !contains(.lowerCase)) }
    /// `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`: a letter that is not upper or title case, or a mark.
    var isLowerRunMember: Bool { contains(.mark) || (contains(.letter) && !contains(.upperCase)) }

    /// Neither letter, number nor whitespace: `[^\s\p{L}\p{N}]` (marks included).
    var isOther: Bool { rawValue & 7 == 0 }

    static func of(_ scalar: Unicode.Scalar) -> ScalarClass {
        if scalar.value < 128 { return asciiTable[Int(scalar.value)] }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .titlecaseLetter:
            return [.letter, .upperCase]
        case .lowercaseLetter:
            return [.letter, .lowerCase]
        case .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        case .nonspacingMark, .spacingMark, .enclosingMark:
            return .mark
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return .punctuation
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
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return [.letter, .lowerCase]
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return [.letter, .upperCase]
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        case 0x0A, 0x0D: return [.whitespace, .newline]
        case 0x09, 0x0B, 0x0C, 0x20: return .whitespace
        // ASCII \p{P}: !"#%&'()*,-./:;?@[\]_{} (not $+<=>^`|~, which are symbols)
        case 0x21...0x23, 0x25...0x2A, 0x2C...0x2F, 0x3A, 0x3B, 0x3F, 0x40, 0x5B...0x5D, 0x5F, 0x7B, 0x7D:
            return .punctuation
        default: return []
        }
    }
}
