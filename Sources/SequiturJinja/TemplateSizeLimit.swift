/// The largest string (in UTF-8 bytes) or list (in elements) an operator may build while rendering. A chat
/// template comes from the model file, and `'ab' * 3000000000` or a string that doubles in a loop would
/// otherwise allocate until the process dies; real templates build strings of a few kilobytes.
enum TemplateSizeLimit {
    static let maximumLength = 1 << 24

    /// Throws when a result of `length` would exceed the limit. `length` is computed by the caller with
    /// overflow-reporting arithmetic, so an overflow arrives here as nil.
    static func check(_ length: Int?, building what: String) throws {
        guard let length, length <= maximumLength else {
            throw TemplateValueError("\(what) would be longer than \(maximumLength), the most a template may build")
        }
    }

    /// `count` copies of something `length` long.
    static func repeated(_ length: Int, _ count: Int) -> Int? {
        let (total, overflow) = length.multipliedReportingOverflow(by: max(0, count))
        return overflow ? nil : total
    }
}
