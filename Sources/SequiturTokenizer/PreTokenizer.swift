/// The rule that cuts text into pre-tokens before BPE merges run inside each one, named in GGUF by
/// `tokenizer.ggml.pre`. Each case reproduces one regular expression of the reference (HF `tokenizers`, as
/// transformers' GGUF loader configures it) with a hand-written scanner over Unicode scalars, following the
/// regex engine's leftmost-first alternation and backtracking exactly.
public enum PreTokenizer: String, Sendable, CaseIterable {
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    ///
    /// Also what `smollm` gets: transformers loads a GGUF whose `pre` it has no special split for with
    /// `ByteLevel(use_regex=True)`, i.e. this regex. (llama.cpp additionally isolates every digit for
    /// `smollm`; SmolLM2's vocabulary has no merges between digits and letters or digits, so the two
    /// differ only in rare whitespace-before-digit cases, and we follow the reference, transformers.)
    case gpt2 = "gpt-2"
    /// Llama 3: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*`
    /// `|\s*[\r\n]+|\s+(?!\S)|\s+`.
    case llama3 = "llama-bpe"
    /// Qwen 2: the Llama 3 regex with single digits (`\p{N}` instead of `\p{N}{1,3}`).
    case qwen2 = "qwen2"
    /// Qwen 3.5: the Qwen 2 regex with marks joining letters: `[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+` and
    /// ` ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*`.
    case qwen35 = "qwen35"
    /// StarCoder, Refact, Command-R: every digit on its own (`Digits(individual_digits=true)`), then the
    /// GPT-2 regex inside each stretch between digits, as their `tokenizer.json` chains them.
    case gpt2SingleDigits = "starcoder"
    /// Falcon: punctuation runs, then the GPT-2 regex, then digits in threes (see `IsolatingSplits.falcon`).
    case falcon = "falcon"
    /// DeepSeek Coder: newlines, words, punctuation, CJK runs and single digits, each isolated in turn.
    case deepseekCoder = "deepseek-coder"
    /// DeepSeek LLM: newlines, cased words, punctuation, trailing spaces, CJK runs and numbers, in turn.
    case deepseekLLM = "deepseek-llm"
    /// GPT-4o (Phi-4): words split where case changes,
    /// `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?`
    /// `|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?`
    /// `|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`, as its `tokenizer.json` has it (llama.cpp
    /// approximates the case classes with ASCII ones).
    case gpt4o = "gpt-4o"
    /// Tekken (Mistral Nemo, Pixtral 12B): the GPT-4o regex without contractions and with single digits.
    case tekken = "tekken"

    /// `tokenizer.ggml.pre` values and the rule each means (the names transformers' GGUF loader knows
    /// for these regexes, plus the names that get GPT-2's).
    static let namesInGGUF: [String: PreTokenizer] = [
        "gpt-2": .gpt2, "gpt2": .gpt2, "smollm": .gpt2, "default": .gpt2,
        "llama-bpe": .llama3, "llama3": .llama3, "llama-v3": .llama3, "falcon3": .llama3, "dbrx": .llama3,
        "smaug-bpe": .llama3, "pixtral": .llama3,
        "qwen2": .qwen2, "deepseek-r1-qwen": .qwen2, "megrez": .qwen2,
        "qwen35": .qwen35, "mpt": .gpt2,
        "starcoder": .gpt2SingleDigits, "refact": .gpt2SingleDigits, "command-r": .gpt2SingleDigits,
        "falcon": .falcon, "deepseek-coder": .deepseekCoder, "deepseek-llm": .deepseekLLM,
        "gpt-4o": .gpt4o, "tekken": .tekken,
    ]

    /// The pre-tokenizer a GGUF `tokenizer.ggml.pre` value names.
    public init(ggufName: String) throws {
        guard let rule = Self.namesInGGUF[ggufName] else {
            throw TokenizerError.unsupportedPreTokenizer(ggufName, supported: Self.namesInGGUF.keys.sorted())
        }
        self = rule
    }

    /// The chain of isolating splits this rule is, for the rules written that way.
    var isolatingSplits: IsolatingSplits? {
        switch self {
        case .falcon: return .falcon
        case .deepseekCoder: return .deepseekCoder
        case .deepseekLLM: return .deepseekLLM
        case .gpt2, .llama3, .qwen2, .qwen35, .gpt2SingleDigits, .gpt4o, .tekken: return nil
        }
    }

    /// `text` cut into pre-tokens; joined they give `text` back.
    public func split(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        var pieces: [String] = []
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = PreTokenScanner(rule: self)
            scanner.scan(buffer) { range in
                pieces.append(String(decoding: buffer[range], as: UTF8.self))
            }
        }
        return pieces
    }
}

/// Scans UTF-8 text into pre-token byte ranges. Holds its working arrays so that a caller encoding many
/// chunks reuses them.
struct PreTokenScanner {
    let rule: PreTokenizer
    private var values: [UInt32] = []
    private var classes: [ScalarClass] = []
    /// Byte offset of each scalar, plus the end offset.
    private var offsets: [Int] = []
    /// How many scalars of the buffers above the current chunk fills (they only grow, and are reused).
    private var scalarCount = 0
    private let basicPlane = ScalarClass.basicPlane

    init(rule: PreTokenizer) { self.rule = rule }

    /// Calls `body` with the byte range of each pre-token of `text` (valid UTF-8), in order.
    mutating func scan(_ text: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        decode(text)
        let count = scalarCount
        var start = 0
        values.withUnsafeBufferPointer { values in
            classes.withUnsafeBufferPointer { classes in
                offsets.withUnsafeBufferPointer { offsets in
                    let view = ScalarView(
                        values: UnsafeBufferPointer(rebasing: values[..<count]),
                        classes: UnsafeBufferPointer(rebasing: classes[..<count]))
                    if let splits = rule.isolatingSplits {
                        splits.scan(view, 0..<count) { body(offsets[$0.lowerBound]..<offsets[$0.upperBound]) }
                        return
                    }
                    // gpt2SingleDigits: where the current stretch without digits ends (the regex sees it alone).
                    var stretchEnd = 0
                    while start < count {
                        let end: Int
                        switch rule {
                        case .gpt2: end = view.gpt2Match(at: start)
                        case .llama3: end = view.llama3Match(at: start, maxDigits: 3)
                        case .qwen2: end = view.llama3Match(at: start, maxDigits: 1)
                        case .qwen35: end = view.llama3Match(at: start, maxDigits: 1, marksJoinLetters: true)
                        case .gpt4o: end = view.casedWordsMatch(at: start, maxDigits: 3, contractions: true)
                        case .tekken: end = view.casedWordsMatch(at: start, maxDigits: 1, contractions: false)
                        case .falcon, .deepseekCoder, .deepseekLLM:
                            preconditionFailure("\(rule) has isolating splits and was scanned above")
                        case .gpt2SingleDigits:
                            if view.classes[start].contains(.number) {
                                end = start + 1
                            } else {
                                if stretchEnd <= start {
                                    stretchEnd = start
                                    while stretchEnd < count && !view.classes[stretchEnd].contains(.number) { stretchEnd += 1 }
                                }
                                end = view.prefix(stretchEnd).gpt2Match(at: start)
                            }
                        }
                        body(offsets[start]..<offsets[end])
                        start = end
                    }
                }
            }
        }
    }

    /// Decodes `text` into scalars, their classes and byte offsets, written through pointers into buffers
    /// sized for one scalar per byte (the most there can be).
    private mutating func decode(_ text: UnsafeBufferPointer<UInt8>) {
        let n = text.count
        if offsets.count < n + 1 {  // the end offset needs a slot even for empty text
            values = [UInt32](repeating: 0, count: n)
            classes = [ScalarClass](repeating: [], count: n)
            offsets = [Int](repeating: 0, count: n + 1)
        }
        let table = basicPlane
        scalarCount = values.withUnsafeMutableBufferPointer { values in
            classes.withUnsafeMutableBufferPointer { classes in
                offsets.withUnsafeMutableBufferPointer { offsets in
                    table.withUnsafeBufferPointer { table in
                        var i = 0
                        var k = 0
                        while i < n {
                            let lead = text[i]
                            offsets[k] = i
                            if lead < 0x80 {
                                values[k] = UInt32(lead)
                                classes[k] = table[Int(lead)]
                                i += 1
                                k += 1
                                continue
                            }
                            var value: UInt32
                            var length: Int
                            if lead < 0xE0 {
                                value = UInt32(lead & 0x1F); length = 2
                            } else if lead < 0xF0 {
                                value = UInt32(lead & 0x0F); length = 3
                            } else {
                                value = UInt32(lead & 0x07); length = 4
                            }
                            length = min(length, n - i)  // cannot happen for valid UTF-8; keeps a bad caller in bounds
                            for m in 1..<max(length, 1) { value = value << 6 | UInt32(text[i + m] & 0x3F) }
                            values[k] = value
                            if value < 0x10000 {
                                classes[k] = table[Int(value)]
                            } else {
                                classes[k] = ScalarClass.of(Unicode.Scalar(value) ?? "\u{FFFD}")
                            }
                            i += length
                            k += 1
                        }
                        offsets[k] = n
                        return k
                    }
                }
            }
        }
    }
}

/// The decoded scalars of one chunk with their classes; each `...Match(at:)` returns where the regex's
/// match starting at `i` ends (always after `i`: every character matches some alternative).
struct ScalarView {
    let values: UnsafeBufferPointer<UInt32>
    let classes: UnsafeBufferPointer<ScalarClass>
    var count: Int { values.count }

    private static let apostrophe: UInt32 = 0x27, space: UInt32 = 0x20, slash: UInt32 = 0x2F

    /// The first `end` scalars, as a regex applied to that stretch alone sees them.
    func prefix(_ end: Int) -> ScalarView {
        ScalarView(values: UnsafeBufferPointer(rebasing: values[..<end]),
                   classes: UnsafeBufferPointer(rebasing: classes[..<end]))
    }

    func gpt2Match(at i: Int) -> Int {
        if let end = contraction(at: i, caseInsensitive: false) { return end }
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: a space joins the run that follows it.
        if values[i] == Self.space && i + 1 < count, let end = classRun(from: i + 1) { return end }
        if let end = classRun(from: i) { return end }
        return whitespaceMatch(at: i, newlineAlternative: false)
    }

    /// The Llama 3 regex; with `marksJoinLetters`, Qwen 3.5's, where `\p{L}` becomes `[\p{L}\p{M}]` in the
    /// word alternative and marks leave the class of other characters.
    func llama3Match(at i: Int, maxDigits: Int, marksJoinLetters: Bool = false) -> Int {
        if let end = contraction(at: i, caseInsensitive: true) { return end }
        let word: ScalarClass = marksJoinLetters ? [.letter, .mark] : .letter
        let nonOther: ScalarClass = marksJoinLetters ? [.letter, .number, .whitespace, .mark] : [.letter, .number, .whitespace]
        func isOther(_ c: ScalarClass) -> Bool { c.isDisjoint(with: nonOther) }
        let cls = classes[i]
        // `[^\r\n\p{L}\p{N}]?\p{L}+` (a mark may be the optional first character and then joins: the
        // match ends where the run of word characters from `i` ends either way)
        if !cls.isDisjoint(with: word) { return run(from: i) { !$0.isDisjoint(with: word) } }
        if !cls.contains(.newline) && !cls.contains(.number) && i + 1 < count && !classes[i + 1].isDisjoint(with: word) {
            return run(from: i + 1) { !$0.isDisjoint(with: word) }
        }
        // `\p{N}{1,maxDigits}`
        if cls.contains(.number) { return min(run(from: i) { $0.contains(.number) }, i + maxDigits) }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        let start = values[i] == Self.space && i + 1 < count && isOther(classes[i + 1]) ? i + 1 : i
        if isOther(classes[start]) {
            let end = run(from: start) { isOther($0) }
            return run(from: end) { $0.contains(.newline) }
        }
        return whitespaceMatch(at: i, newlineAlternative: true)
    }

    /// The GPT-4o regex (`contractions`, `maxDigits` 3) or Tekken's (neither, single digits); see
    /// `PreTokenizer.gpt4o`. U is `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`, L is `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`; the two share
    /// Lm, Lo and marks, so the engine's backtracking of `U*` into `L+` is followed exactly.
    func casedWordsMatch(at i: Int, maxDigits: Int, contractions: Bool) -> Int {
        func withContraction(_ end: Int) -> Int {
            guard contractions, end < count else { return end }
            return contraction(at: end, caseInsensitive: true) ?? end
        }
        // `[^\r\n\p{L}\p{N}]?`: a mark may be both that optional character and a member of U or L.
        let cls = classes[i]
        let prefixable = !cls.contains(.newline) && !cls.contains(.letter) && !cls.contains(.number)
        let starts = prefixable ? [i + 1, i] : [i]
        // First alternative, `p? U* L+`, with the prefix and then without; then the second, `p? U+ L*`.
        for s in starts where s < count {
            if let end = upperThenLower(from: s) { return withContraction(end) }
        }
        for s in starts where s < count {
            let upperEnd = run(from: s) { $0.isUpperRunMember }
            if upperEnd > s { return withContraction(run(from: upperEnd) { $0.isLowerRunMember }) }
        }
        // `\p{N}{1,maxDigits}`
        if cls.contains(.number) { return min(run(from: i) { $0.contains(.number) }, i + maxDigits) }
        // ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
        let start = values[i] == Self.space && i + 1 < count && classes[i + 1].isOther ? i + 1 : i
        if classes[start].isOther {
            var k = run(from: start) { $0.isOther }
            while k < count && (classes[k].contains(.newline) || values[k] == Self.slash) { k += 1 }
            return k
        }
        return whitespaceMatch(at: i, newlineAlternative: true)
    }

    /// `U* L+` from `s`, as the engine matches it: `U*` takes the longest run, then gives back one character
    /// at a time until `L+` can start; `L+` then takes the longest run from there. Nil when no start works.
    private func upperThenLower(from s: Int) -> Int? {
        let upperEnd = run(from: s) { $0.isUpperRunMember }
        var j = upperEnd
        while j >= s {
            if j < count && classes[j].isLowerRunMember { return run(from: j) { $0.isLowerRunMember } }
            j -= 1
        }
        return nil
    }

    /// A run of letters, of numbers, or of other characters starting at `start`; nil at whitespace.
    private func classRun(from start: Int) -> Int? {
        let cls = classes[start]
        if cls.contains(.letter) { return run(from: start) { $0.contains(.letter) } }
        if cls.contains(.number) { return run(from: start) { $0.contains(.number) } }
        if cls.isOther { return run(from: start) { $0.isOther } }
        return nil
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d`, optionally case-insensitive as Oniguruma folds case (which also folds
    /// U+017F LATIN SMALL LETTER LONG S to `s`).
    private func contraction(at i: Int, caseInsensitive: Bool) -> Int? {
        guard values[i] == Self.apostrophe, i + 1 < count else { return nil }
        func letter(_ k: Int) -> UInt32 {
            let v = values[k]
            guard caseInsensitive else { return v }
            if v >= 0x41 && v <= 0x5A { return v + 0x20 }
            return v == 0x17F ? 0x73 : v
        }
        switch letter(i + 1) {
        case 0x73, 0x74, 0x6D, 0x64: return i + 2  // s t m d
        case 0x72, 0x76: return i + 2 < count && letter(i + 2) == 0x65 ? i + 3 : nil  // re ve
        case 0x6C: return i + 2 < count && letter(i + 2) == 0x6C ? i + 3 : nil  // ll
        default: return nil
        }
    }

    /// The whitespace alternatives at `i` (a whitespace character): `\s*[\r\n]+` when `newlineAlternative`,
    /// then `\s+(?!\S)` (a run that stops one short of a following non-space, so that the last space joins
    /// the next word), then `\s+`.
    private func whitespaceMatch(at i: Int, newlineAlternative: Bool) -> Int {
        let end = run(from: i) { $0.contains(.whitespace) }
        if newlineAlternative {
            // `\s*` is greedy and backtracks to the last newline of the run; `[\r\n]+` then takes it.
            var k = end
            while k > i {
                k -= 1
                if classes[k].contains(.newline) { return k + 1 }
            }
        }
        if end == count || end - i < 2 { return end }
        return end - 1
    }

    @inline(__always)
    private func run(from start: Int, while belongs: (ScalarClass) -> Bool) -> Int {
        var k = start
        while k < count && belongs(classes[k]) { k += 1 }
        return k
    }
}
