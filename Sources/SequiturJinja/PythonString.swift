/// Python's string operations, on Unicode scalars (Python strings are sequences of code points, while Swift's
/// `String` compares grapheme clusters, which would make `'e' in 'é'` disagree with Python).
enum PythonString {
    /// Index (in scalars) of the first occurrence of `needle`, or nil.
    static func find(_ needle: String, in haystack: String) -> Int? {
        let h = Array(haystack.unicodeScalars), n = Array(needle.unicodeScalars)
        guard n.count <= h.count else { return nil }
        if n.isEmpty { return 0 }
        for start in 0...(h.count - n.count) where h[start] == n[0] && Array(h[start..<start + n.count]) == n {
            return start
        }
        return nil
    }

    static func hasPrefix(_ s: String, _ prefix: String) -> Bool {
        s.unicodeScalars.starts(with: prefix.unicodeScalars)
    }

    static func hasSuffix(_ s: String, _ suffix: String) -> Bool {
        s.unicodeScalars.reversed().starts(with: suffix.unicodeScalars.reversed())
    }

    /// `str.strip()` / `lstrip()` / `rstrip()`: with no characters given, Unicode whitespace.
    static func strip(_ s: String, characters: String? = nil, leading: Bool = true, trailing: Bool = true) -> String {
        let set = characters.map { Set($0.unicodeScalars) }
        let strip: (Unicode.Scalar) -> Bool = { set?.contains($0) ?? $0.properties.isWhitespace }
        var scalars = Substring(s).unicodeScalars[...]
        if leading { while let f = scalars.first, strip(f) { scalars.removeFirst() } }
        if trailing { while let l = scalars.last, strip(l) { scalars.removeLast() } }
        return String(String.UnicodeScalarView(scalars))
    }

    /// `str.replace(old, new)`.
    static func replace(_ s: String, _ old: String, _ new: String) -> String {
        split(s, separator: old).joined(separator: new)
    }

    /// `str.split(sep)` with an explicit separator (an empty separator is an error in Python; callers check).
    static func split(_ s: String, separator: String) -> [String] {
        var parts: [String] = []
        var rest = s
        while !separator.isEmpty, let i = find(separator, in: rest) {
            let scalars = Array(rest.unicodeScalars)
            parts.append(String(String.UnicodeScalarView(scalars[..<i])))
            rest = String(String.UnicodeScalarView(scalars[(i + separator.unicodeScalars.count)...]))
        }
        parts.append(rest)
        return parts
    }

    /// `str.split()` with no argument: runs of whitespace separate, leading/trailing whitespace ignored.
    static func splitWhitespace(_ s: String) -> [String] {
        s.unicodeScalars.split { $0.properties.isWhitespace }.map { String(String.UnicodeScalarView($0)) }
    }

    /// `str.capitalize()`: first character upper-cased, the rest lower-cased.
    static func capitalize(_ s: String) -> String {
        guard let first = s.unicodeScalars.first else { return s }
        return String(first).uppercased() + String(String.UnicodeScalarView(s.unicodeScalars.dropFirst())).lowercased()
    }
}
