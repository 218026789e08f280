/// A grammar lowered to bytes: rules whose alternatives are flat lists of byte ranges and rule references, laid
/// end to end in one symbol array (each alternative closed by an end marker), which is what the pushdown
/// automaton steps through. Repetitions become right-recursive or nested-optional rules, character classes
/// become alternatives of UTF-8 byte-range sequences.
///
/// Left recursion is refused at compile time: a rule that can reach itself before consuming a byte, except in
/// the last position of an alternative (a tail call the automaton collapses), would make the automaton's
/// stacks grow without bound. llama.cpp refuses it too.
struct CompiledGrammar: Sendable {
    enum Symbol: Sendable, Equatable {
        case bytes(UInt8, UInt8)
        case rule(Int32)
        case end
    }

    /// The most symbols a compiled grammar may hold: nested bounded repetitions multiply (`("x"{100}){100}`),
    /// and a hostile grammar must be refused, not exhaust memory.
    static let maximumSymbols = 2_000_000

    /// Every alternative of every rule, each followed by `.end`.
    private(set) var symbols: [Symbol] = []
    /// Per rule: where each alternative starts in `symbols`.
    private(set) var alternatives: [[Int32]] = []
    let root: Int32

    init(_ definition: GrammarDefinition) throws {
        var lowering = Lowering(definitionCount: definition.rules.count)
        for (i, rule) in definition.rules.enumerated() {
            try lowering.lowerRule(i, body: rule.body)
            if lowering.symbolCount > Self.maximumSymbols {
                throw GrammarError(line: rule.line, column: rule.column,
                                   message: "rule \"\(rule.name)\" makes the grammar too large (over \(Self.maximumSymbols) symbols once repetitions are unrolled); use * or + instead of large {m,n} bounds")
            }
        }
        root = Int32(definition.root)
        var symbols: [Symbol] = []
        alternatives = lowering.rules.map { alternativesOfRule in
            alternativesOfRule.map { alt in
                let start = Int32(symbols.count)
                symbols += alt
                symbols.append(.end)
                return start
            }
        }
        self.symbols = symbols
        try checkLeftRecursion(origin: lowering.origin, definition: definition)
    }

    // MARK: Left recursion

    private func checkLeftRecursion(origin: [Int], definition: GrammarDefinition) throws {
        let nullable = nullableRules()
        // Edges r → s where s can start r's match; `tail` when s is the alternative's last symbol.
        var edges: [[(to: Int, tail: Bool)]] = Array(repeating: [], count: alternatives.count)
        for r in alternatives.indices {
            for start in alternatives[r] {
                var p = Int(start)
                scan: while true {
                    switch symbols[p] {
                    case .end, .bytes: break scan
                    case .rule(let s):
                        let isLast = symbols[p + 1] == .end
                        edges[r].append((Int(s), isLast))
                        if !nullable[Int(s)] { break scan }
                        p += 1
                    }
                }
            }
        }
        let component = StronglyConnectedComponents.of(edges.map { $0.map(\.to) })
        for r in edges.indices {
            for e in edges[r] where !e.tail && component[r] == component[e.to] {
                let rule = definition.rules[origin[r]]
                throw GrammarError(line: rule.line, column: rule.column,
                                   message: "rule \"\(rule.name)\" is left-recursive (it can reach itself before matching any text); rewrite it with repetition, e.g. x ::= y (\",\" y)*")
            }
        }
    }

    /// Which rules can match the empty string (a fixed point).
    private func nullableRules() -> [Bool] {
        var nullable = [Bool](repeating: false, count: alternatives.count)
        var changed = true
        while changed {
            changed = false
            for r in alternatives.indices where !nullable[r] {
                let some = alternatives[r].contains { start in
                    var p = Int(start)
                    while true {
                        switch symbols[p] {
                        case .end: return true
                        case .bytes: return false
                        case .rule(let s): if !nullable[Int(s)] { return false }
                        }
                        p += 1
                    }
                }
                if some {
                    nullable[r] = true
                    changed = true
                }
            }
        }
        return nullable
    }
}

/// Turns expressions into alternatives of flat symbol lists, adding helper rules for nested choices,
/// repetitions and multi-sequence character classes.
private struct Lowering {
    typealias Alternative = [CompiledGrammar.Symbol]
    var rules: [[Alternative]]
    /// For each rule, the definition rule it came from (for errors).
    var origin: [Int]
    private var current = 0
    private var scalarRules: [ScalarSet: Int32] = [:]
    /// Symbols produced so far; lowering stops (and the grammar is refused) once it passes the maximum.
    private(set) var symbolCount = 0
    private struct TooLarge: Error {}

    init(definitionCount: Int) {
        rules = Array(repeating: [], count: definitionCount)
        origin = Array(0..<definitionCount)
    }

    /// Lowers definition rule `rule`; helper rules it needs are attributed to it.
    mutating func lowerRule(_ rule: Int, body: GrammarExpression) throws {
        current = rule
        do {
            rules[rule] = try alternatives(of: body)
        } catch is TooLarge {
            symbolCount = CompiledGrammar.maximumSymbols + 1
        }
    }

    /// Counts `n` more symbols, failing once the grammar is too large.
    private mutating func spend(_ n: Int) throws {
        symbolCount += n
        if symbolCount > CompiledGrammar.maximumSymbols { throw TooLarge() }
    }

    mutating func alternatives(of expression: GrammarExpression) throws -> [Alternative] {
        switch expression {
        case .choice(let choices):
            return try choices.flatMap { try alternatives(of: $0) }
        case .sequence(let parts):
            var alt: Alternative = []
            for part in parts { alt += try item(part) }
            return [alt]
        case .scalars(let set):
            let sequences = UTF8Sequences.of(set)
            try spend(sequences.count * 4)
            return sequences.map { $0.map { .bytes($0.lowerBound, $0.upperBound) } }
        case .rule(let i):
            try spend(1)
            return [[.rule(Int32(i))]]
        case let .repetition(body, min, max):
            let one = try item(body)
            try spend(one.count * (min + (max.map { $0 - min } ?? 1)) + 2)
            var alt: Alternative = []
            for _ in 0..<min { alt += one }
            if let max {
                // x{0,k}: O_k ::= x O_(k-1) | ε, nested so that each count has one parse.
                var optional: Int32?
                for _ in 0..<(max - min) {
                    optional = addRule([one + (optional.map { [.rule($0)] } ?? []), []])
                }
                if let optional { alt.append(.rule(optional)) }
            } else {
                // x*: S ::= x S | ε, the recursive call in tail position.
                let star = Int32(rules.count)
                _ = addRule([one + [.rule(star)], []])
                alt.append(.rule(star))
            }
            return [alt]
        }
    }

    /// The symbols of one occurrence of `expression` inside a sequence: inline when it has one alternative,
    /// else a reference to a helper rule holding its alternatives.
    private mutating func item(_ expression: GrammarExpression) throws -> Alternative {
        if case .scalars(let set) = expression, let cached = scalarRules[set] { return [.rule(cached)] }
        let alts = try alternatives(of: expression)
        if alts.count == 1 { return alts[0] }
        let rule = addRule(alts)
        if case .scalars(let set) = expression { scalarRules[set] = rule }
        return [.rule(rule)]
    }

    private mutating func addRule(_ alternatives: [Alternative]) -> Int32 {
        rules.append(alternatives)
        origin.append(current)
        return Int32(rules.count - 1)
    }
}

extension ScalarSet: Hashable {
    public func hash(into hasher: inout Hasher) {
        for r in ranges {
            hasher.combine(r.lowerBound)
            hasher.combine(r.upperBound)
        }
    }
}
