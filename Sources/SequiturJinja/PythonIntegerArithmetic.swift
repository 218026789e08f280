/// Python's integer `//`, `%`, `**`, unary `-`, `abs` and `int(float)` on `Int`, exact, and throwing where
/// Python's unbounded integers would leave 64 bits: going through `Double` (as `//` and `**` once did) loses
/// precision above 2^53 and traps when the result does not fit (`9223372036854775807 // 1`, `2 ** 64`,
/// `1e300 | int`), and `Int.min % -1`, `-Int.min` and `abs(Int.min)` trap in Swift. A chat
/// template comes from the model file, so none of these may crash the process (found by reviewing the code the
/// chat-template fuzz target runs; the inputs are in Fuzz/Regressions/fuzz-chat-template/).
enum PythonIntegerArithmetic {
    /// `a // b`, rounded towards negative infinity; `b` is not zero.
    static func floorDivide(_ a: Int, _ b: Int) throws -> Int {
        let (quotient, overflow) = a.dividedReportingOverflow(by: b)
        guard !overflow else { throw TemplateValueError("integer overflow in \(a) // \(b)") }
        let remainder = a - quotient * b
        return remainder != 0 && (remainder < 0) != (b < 0) ? quotient - 1 : quotient
    }

    /// `a % b`, with the sign of `b`; `b` is not zero.
    static func modulo(_ a: Int, _ b: Int) -> Int {
        let (remainder, overflow) = a.remainderReportingOverflow(dividingBy: b)
        if overflow { return 0 }   // only Int.min % -1, which is 0
        return remainder != 0 && (remainder < 0) != (b < 0) ? remainder + b : remainder
    }

    /// `a ** b` for `b >= 0`, by repeated squaring.
    static func power(_ a: Int, _ b: Int) throws -> Int {
        var result = 1, base = a, exponent = b
        while exponent > 0 {
            if exponent & 1 == 1 {
                let (product, overflow) = result.multipliedReportingOverflow(by: base)
                guard !overflow else { throw TemplateValueError("integer overflow in \(a) ** \(b)") }
                result = product
            }
            exponent >>= 1
            if exponent > 0 {
                let (square, overflow) = base.multipliedReportingOverflow(by: base)
                guard !overflow else { throw TemplateValueError("integer overflow in \(a) ** \(b)") }
                base = square
            }
        }
        return result
    }

    /// `-a`.
    static func negate(_ a: Int) throws -> Int {
        let (negated, overflow) = 0.subtractingReportingOverflow(a)
        guard !overflow else { throw TemplateValueError("integer overflow in -(\(a))") }
        return negated
    }

    /// `abs(a)`.
    static func absoluteValue(_ a: Int) throws -> Int { a < 0 ? try negate(a) : a }

    /// `int(f)`: `f` rounded towards zero; infinities, NaN and values beyond 64 bits are errors.
    static func truncating(_ f: Double) throws -> Int {
        guard f.isFinite, let i = Int(exactly: f.rounded(.towardZero)) else {
            throw TemplateValueError("cannot convert float \(f) to an integer")
        }
        return i
    }
}
