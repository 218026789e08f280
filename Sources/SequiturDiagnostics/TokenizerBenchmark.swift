import Foundation
import SequiturCore
import SequiturTokenizer

/// Encode-throughput measurement, shared by the opt-in benchmark test and the CLI's bench command so that
/// both report the same figure the same way.
public enum TokenizerBenchmark {
    /// Encodes `text` once (special parsing on) and returns its UTF-8 size divided by the wall-clock time,
    /// and how many tokens it gave. One call, no warm-up: the tokenizer's pre-token cache holds whatever
    /// earlier calls left in it, so for a cold figure pass a tokenizer that has not encoded this text yet.
    public static func encodeThroughput(tokenizer: BPETokenizer, text: String) -> (bytesPerSecond: Double, tokens: Int) {
        var contiguous = text
        contiguous.makeContiguousUTF8()  // not part of the timed work
        let start = DispatchTime.now().uptimeNanoseconds
        let ids = tokenizer.encode(contiguous, parseSpecial: true, addBOS: false)
        let nanoseconds = max(DispatchTime.now().uptimeNanoseconds - start, 1)
        return (Double(contiguous.utf8.count) * 1e9 / Double(nanoseconds), ids.count)
    }

    /// About `byteCount` bytes (at least that many, at most one fragment more) of deterministic mixed text:
    /// English prose drawn from a word list with the long tail of a real vocabulary, code, numbers of every
    /// length, whitespace runs, CRLF, accented and combining text, CJK, Arabic and Hebrew, emoji with ZWJ
    /// and skin tones, and zero-width characters. The same `seed` always gives the same text.
    public static func mixedText(byteCount: Int, seed: UInt64 = 20_261_123) -> String {
        var random = MMIXLinearCongruential(seed: seed)
        var text = ""
        text.reserveCapacity(byteCount + 256)
        while text.utf8.count < byteCount {
            switch random.next(below: 10) {
            case 0..<5: text += sentence(&random)
            case 5: text += codeLine(&random)
            case 6: text += numbers(&random)
            case 7: text += fragments[random.next(below: fragments.count)]
            case 8: text += identifier(&random) + String(repeating: " ", count: 1 + random.next(below: 6))
            default: text += random.next(below: 2) == 0 ? "\r\n" : "\n\n\t"
            }
        }
        return text
    }

    private static func sentence(_ random: inout MMIXLinearCongruential) -> String {
        var words: [String] = []
        for k in 0..<(4 + random.next(below: 14)) {
            // Squaring a uniform index skews towards the start of the list, as word frequencies are skewed.
            let u = random.next(below: 1 << 16)
            var word = englishWords[(u * u >> 16) * englishWords.count >> 16]
            if k == 0 { word = word.prefix(1).uppercased() + word.dropFirst() }
            words.append(word)
        }
        return words.joined(separator: " ") + [". ", ", ", "! ", "? ", "; "][random.next(below: 5)]
    }

    private static func identifier(_ random: inout MMIXLinearCongruential) -> String {
        let a = englishWords[random.next(below: englishWords.count)]
        let b = englishWords[random.next(below: englishWords.count)]
        return [a + "_" + b, a + b.prefix(1).uppercased() + b.dropFirst(), a.uppercased() + "_" + b.uppercased()][
            random.next(below: 3)]
    }

    private static func codeLine(_ random: inout MMIXLinearCongruential) -> String {
        let name = identifier(&random)
        let value = random.next(below: 100_000)
        switch random.next(below: 4) {
        case 0: return "    let \(name) = compute(\(value), \"\(englishWords[value % englishWords.count])\")\n"
        case 1: return "\tif (\(name) >= \(value) && !done) { \(name) += 1; }\n"
        case 2: return "def \(name)(x, y=\(value)):\n    return x ** 2 + y  # \(englishWords[value % 97])\n"
        default: return "{\"\(name)\": [\(value), \(Double(value) / 7)], \"ok\": true}\n"
        }
    }

    private static func numbers(_ random: inout MMIXLinearCongruential) -> String {
        var digits = ""
        for _ in 0..<(1 + random.next(below: 24)) { digits += String(random.next(below: 10)) }
        return [" \(digits) ", "$\(digits).99 ", "\(digits)%, ", "v1.\(random.next(below: 50)).\(digits) "][
            random.next(below: 4)]
    }

    private static let fragments = [
        "café naïve résumé ", "cafe\u{301} nai\u{308}ve ", "日本語のテキストです。", "中文文本，标点符号。",
        "한국어 텍스트입니다. ", "مرحبا بالعالم ", "שָׁלוֹם עברית ", "Русский текст ", "Ελληνικά ",
        "👨‍👩‍👧‍👦 ", "👍🏽👋🏿 ", "🏳️‍🌈 ", "zero\u{200B}width ", "\u{FEFF}bom ", "zw\u{200C}nj zw\u{200D}j ",
        "      ", "\t\t", "∑∫∂√∞ ", "€£¥₹ ",
    ]

    private static let englishWords: [String] = """
        the of and to in is was that for it with as his on be at by had are but from or have an they which one \
        you were her all she there would their we him been has when who will more no if out so said what up its \
        about into than them can only other new some could time these two may then do first any my now such like \
        our over man me even most made after also did many before must through back years where much your way \
        well down should because each just those people how too little state good very make world still own see \
        men work long get here between both life being under never day same another know while last might us \
        great old year off come since against go came right used take three himself few house use during without \
        again place american around however home small found thought went say part once general high upon school \
        every does got united left number course war until always away something fact though water less public \
        put think almost hand enough far took head yet government system better set told nothing night end why \
        called didn eyes find going look asked later knew point next program city business give group toward \
        young days let room president side social present given several order national possible rather second \
        face per among form important often things looked early white case john become large big need four within \
        felt along children saw best church ever least power development light thing seemed family interest want \
        members mind country area others done turned although open god service certain kind problem began \
        different door thus help sense means whole matter perhaps itself york times human law line above name \
        example action company hands local show five history whether gave either act today feet across taken \
        past quite anything seen having death experience body word half really week car field information money \
        tokenizer transformer attention gradient embedding quantisation throughput latency backend kernel
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
}
