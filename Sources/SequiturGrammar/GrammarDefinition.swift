/// A grammar as written: named rules whose bodies are expressions over Unicode scalars. What `GBNFParser`
/// produces and `GrammarAutomaton` compiles; JSON Schema and regular expressions reach it through GBNF text.
public struct GrammarDefinition: Sendable, Equatable {
    public struct Rule: Sendable, Equatable {
        public let name: String
        public let body: GrammarExpression
        /// Where the rule is defined (1-based), for errors found after parsing (left recursion).
        public let line: Int
        public let column: Int

        public init(name: String, body: GrammarExpression, line: Int, column: Int) {
            self.name = name
            self.body = body
            self.line = line
            self.column = column
        }
    }

    /// Rules in the order they were defined; a rule defined twice keeps its first position (GBNF appends the
    /// second definition as more alternatives, as llama.cpp does).
    public let rules: [Rule]
    /// The index of the start rule in `rules`.
    public let root: Int

    public init(rules: [Rule], root: Int) {
        self.rules = rules
        self.root = root
    }
}

/// One expression of a rule body.
public indirect enum GrammarExpression: Sendable, Equatable {
    /// Each part in turn (an empty sequence matches the empty string).
    case sequence([GrammarExpression])
    /// Any one of the choices.
    case choice([GrammarExpression])
    /// One scalar from a set.
    case scalars(ScalarSet)
    /// The rule at this index of `GrammarDefinition.rules`.
    case rule(Int)
    /// `body` repeated between `min` and `max` times (`max` nil: unbounded).
    case repetition(GrammarExpression, min: Int, max: Int?)

    /// A literal string: a sequence of one-scalar sets.
    public static func literal<S: Sequence>(_ scalars: S) -> GrammarExpression where S.Element == Unicode.Scalar {
        .sequence(scalars.map { .scalars(ScalarSet(single: $0)) })
    }
}

/// A set of Unicode scalars as sorted, disjoint, non-adjacent closed ranges of code points (surrogates never
/// included: they are not scalars and have no UTF-8 form).
public struct ScalarSet: Sendable, Equatable {
    public private(set) var ranges: [ClosedRange<UInt32>]

    public static let maximum: UInt32 = 0x10FFFF
    static let surrogates: ClosedRange<UInt32> = 0xD800...0xDFFF

    /// The union of `ranges`, normalised.
    public init(_ ranges: [ClosedRange<UInt32>]) {
        let sorted = ranges.map { $0.clamped(to: 0...Self.maximum) }.sorted { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<UInt32>] = []
        for r in sorted {
            if let last = merged.last, r.lowerBound <= last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        self.ranges = merged.flatMap(Self.removingSurrogates)
    }

    public init(single scalar: Unicode.Scalar) { self.init([scalar.value...scalar.value]) }

    /// Every scalar.
    public static let any = ScalarSet([0...maximum])

    /// Every scalar not in this set.
    public var complement: ScalarSet {
        var gaps: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for r in ranges {
            if r.lowerBound > next { gaps.append(next...(r.lowerBound - 1)) }
            next = r.upperBound + 1
        }
        if next <= Self.maximum { gaps.append(next...Self.maximum) }
        return ScalarSet(gaps)
    }

    public var isEmpty: Bool { ranges.isEmpty }

    /// The one scalar this set holds, when it holds exactly one (such a set is written as a literal).
    public var singleScalar: Unicode.Scalar? {
        guard ranges.count == 1, ranges[0].lowerBound == ranges[0].upperBound else { return nil }
        return Unicode.Scalar(ranges[0].lowerBound)
    }

    public func union(_ other: ScalarSet) -> ScalarSet { ScalarSet(ranges + other.ranges) }

    public func subtracting(_ other: ScalarSet) -> ScalarSet { complement.union(other).complement }

    public func contains(_ scalar: Unicode.Scalar) -> Bool {
        ranges.contains { $0.contains(scalar.value) }
    }

    private static func removingSurrogates(_ r: ClosedRange<UInt32>) -> [ClosedRange<UInt32>] {
        guard r.overlaps(surrogates) else { return [r] }
        var parts: [ClosedRange<UInt32>] = []
        if r.lowerBound < surrogates.lowerBound { parts.append(r.lowerBound...(surrogates.lowerBound - 1)) }
        if r.upperBound > surrogates.upperBound { parts.append((surrogates.upperBound + 1)...r.upperBound) }
        return parts
    }
}
