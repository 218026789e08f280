/// Pre-tokenizers written as a chain of isolating splits, as their `tokenizer.json` files chain HF
/// `Split(pattern, behavior: "Isolated")` steps (and llama.cpp lists their regexes): each step cuts every
/// piece the previous step left into its leftmost matches and the stretches between them, and the next step
/// sees each of those pieces alone (so `$` is a piece's end, and a match never crosses a cut).
///
/// One step is a matcher: given a piece's scalars, a position and the piece's end, where a match starting at
/// that position ends (nil when none does). Scanning tries each position in turn, as a regex search does.
struct IsolatingSplits: Sendable {
    typealias Matcher = @Sendable (_ view: ScalarView, _ position: Int, _ end: Int) -> Int?

    let steps: [Matcher]

    /// Calls `body` with each final piece of `range`, in order.
    func scan(_ view: ScalarView, _ range: Range<Int>, _ body: (Range<Int>) -> Void) {
        split(view, range, step: 0, body)
    }

    private func split(_ view: ScalarView, _ range: Range<Int>, step: Int, _ body: (Range<Int>) -> Void) {
        guard step < steps.count else { body(range); return }
        let match = steps[step]
        var unmatched = range.lowerBound
        var i = range.lowerBound
        while i < range.upperBound {
            guard let end = match(view, i, range.upperBound), end > i else { i += 1; continue }
            if unmatched < i { split(view, unmatched..<i, step: step + 1, body) }
            split(view, i..<end, step: step + 1, body)
            i = end
            unmatched = end
        }
        if unmatched < range.upperBound { split(view, unmatched..<range.upperBound, step: step + 1, body) }
    }

    // MARK: The chains

    /// Falcon: `[\p{P}\$\+<=>\^~\|`]+`, then the GPT-2 regex, then `[0-9][0-9][0-9]` (llama.cpp's three
    /// regexes for its tokenizer.json's Punctuation, ByteLevel, Digits and Split steps).
    static let falcon = IsolatingSplits(steps: [
        { view, i, end in
            func belongs(_ k: Int) -> Bool {
                view.classes[k].contains(.punctuation) || falconSymbols.contains(view.values[k])
            }
            guard belongs(i) else { return nil }
            var k = i
            while k < end && belongs(k) { k += 1 }
            return k
        },
        { view, i, end in view.prefix(end).gpt2Match(at: i) },
        { view, i, end in
            guard i + 3 <= end, (i..<(i + 3)).allSatisfy({ (0x30...0x39).contains(view.values[$0]) }) else { return nil }
            return i + 3
        },
    ])
    /// `$+<=>^~|` and the backquote: ASCII symbols Falcon's punctuation step also takes.
    private static let falconSymbols: Set<UInt32> = [0x24, 0x2B, 0x3C, 0x3D, 0x3E, 0x5E, 0x7E, 0x7C, 0x60]

    /// DeepSeek Coder: `[\r\n]`, `\s?\p{L}+`, `\s?\p{P}+`, `[一-龥ࠀ-一가-퟿]+`, `\p{N}`.
    static let deepseekCoder = IsolatingSplits(steps: [
        newline,
        optionalSpaceThenRun { $1.classes[$0].contains(.letter) },
        optionalSpaceThenRun { $1.classes[$0].contains(.punctuation) },
        run { isCJK($0) },
        { view, i, _ in view.classes[i].contains(.number) ? i + 1 : nil },
    ])

    /// DeepSeek LLM: `[\r\n]`, `\s?[letters]+` (an explicit list of cased-letter ranges), `\s?[!-/:-~！-／：-～‘-‟　-。]+`,
    /// `\s+$`, `[一-龥ࠀ-一가-퟿]+`, `\p{N}+`.
    static let deepseekLLM = IsolatingSplits(steps: [
        newline,
        optionalSpaceThenRun { isDeepSeekLetter($1.values[$0]) },
        optionalSpaceThenRun { isDeepSeekPunctuation($1.values[$0]) },
        { view, i, end in
            var k = i
            while k < end && view.classes[k].contains(.whitespace) { k += 1 }
            return k > i && k == end ? end : nil
        },
        run { isCJK($0) },
        { view, i, end in
            var k = i
            while k < end && view.classes[k].contains(.number) { k += 1 }
            return k > i ? k : nil
        },
    ])

    // MARK: Steps

    private static let newline: Matcher = { view, i, _ in view.classes[i].contains(.newline) ? i + 1 : nil }

    /// `\s?X+`: one optional whitespace character, then a run of characters `belongs` accepts.
    private static func optionalSpaceThenRun(_ belongs: @escaping @Sendable (Int, ScalarView) -> Bool) -> Matcher {
        { view, i, end in
            var k = i
            if view.classes[k].contains(.whitespace) && k + 1 < end && belongs(k + 1, view) { k += 1 }
            guard belongs(k, view) else { return nil }
            while k < end && belongs(k, view) { k += 1 }
            return k
        }
    }

    /// `[...]+` over scalar values.
    private static func run(_ belongs: @escaping @Sendable (UInt32) -> Bool) -> Matcher {
        { view, i, end in
            var k = i
            while k < end && belongs(view.values[k]) { k += 1 }
            return k > i ? k : nil
        }
    }

    /// `[一-龥ࠀ-一가-퟿]`: U+4E00–U+9FA5, U+0800–U+4E00 and U+AC00–U+D7FF.
    private static func isCJK(_ v: UInt32) -> Bool {
        (0x0800...0x9FA5).contains(v) || (0xAC00...0xD7FF).contains(v)
    }

    /// `[!-/:-~！-／：-～‘-‟　-。]`.
    private static func isDeepSeekPunctuation(_ v: UInt32) -> Bool {
        (0x21...0x2F).contains(v) || (0x3A...0x7E).contains(v) || (0xFF01...0xFF0F).contains(v)
            || (0xFF1A...0xFF5E).contains(v) || (0x2018...0x201F).contains(v) || (0x3000...0x3002).contains(v)
    }

    /// DeepSeek LLM's letter class, copied range by range from its tokenizer.json (as llama.cpp has it).
    private static func isDeepSeekLetter(_ v: UInt32) -> Bool {
        var low = 0, high = deepSeekLetters.count
        while low < high {
            let mid = (low + high) / 2
            if deepSeekLetters[mid].upperBound < v { low = mid + 1 } else { high = mid }
        }
        return low < deepSeekLetters.count && deepSeekLetters[low].contains(v)
    }

    private static let deepSeekLetters: [ClosedRange<UInt32>] = [
        0x41...0x5A, 0x61...0x7A, 0xB5...0xB5, 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x1BA, 0x1BC...0x1BF, 0x1C4...0x293,
        0x295...0x2AF, 0x370...0x373, 0x376...0x376, 0x377...0x377, 0x37B...0x37D, 0x37F...0x37F, 0x386...0x386,
        0x388...0x38A, 0x38C...0x38C, 0x38E...0x3A1, 0x3A3...0x3F5, 0x3F7...0x481, 0x48A...0x52F, 0x531...0x556,
        0x10A0...0x10C5, 0x13A0...0x13F5, 0x13F8...0x13FD, 0x1C90...0x1CBA, 0x1CBD...0x1CBF, 0x1D00...0x1D2B,
        0x1D6B...0x1D77, 0x1D79...0x1D9A, 0x1E00...0x1F15, 0x1F18...0x1F1D, 0x1F20...0x1F45, 0x1F48...0x1F4D,
        0x1F50...0x1F57, 0x1F59...0x1F59, 0x1F5B...0x1F5B, 0x1F5D...0x1F5D, 0x1F5F...0x1F7D, 0x1F80...0x1FB4,
        0x1FB6...0x1FBC, 0x1FBE...0x1FBE, 0x1FC2...0x1FC4, 0x1FC6...0x1FCC, 0x1FD0...0x1FD3, 0x1FD6...0x1FDB,
        0x1FE0...0x1FEC, 0x1FF2...0x1FF4, 0x1FF6...0x1FFC, 0x2102...0x2102, 0x2107...0x2107, 0x210A...0x2113,
        0x2115...0x2115, 0x2119...0x211D, 0x2124...0x2124, 0x2126...0x2126, 0x2128...0x2128, 0x212A...0x212D,
        0x212F...0x2134, 0x2139...0x2139, 0x213C...0x213F, 0x2145...0x2149, 0x214E...0x214E, 0x2183...0x2183,
        0x2184...0x2184, 0x2C00...0x2C7B, 0x2C7E...0x2CE4, 0x2CEB...0x2CEE, 0x2CF2...0x2CF2, 0x2CF3...0x2CF3,
        0xA640...0xA66D, 0xA680...0xA69B, 0xA722...0xA76F, 0xA771...0xA787, 0xA78B...0xA78E, 0xAB70...0xABBF,
        0xFB00...0xFB06, 0xFB13...0xFB17, 0xFF21...0xFF3A, 0xFF41...0xFF5A, 0x10400...0x1044F, 0x104B0...0x104D3,
        0x104D8...0x104FB, 0x10C80...0x10CB2, 0x10CC0...0x10CF2, 0x118A0...0x118DF, 0x1E900...0x1E943,
    ]
}
