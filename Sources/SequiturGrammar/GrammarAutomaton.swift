import Foundation

/// A grammar as a byte-level pushdown automaton whose states are sets of parse stacks (llama.cpp's
/// representation), interned so that each state is a small integer and each (state, byte) transition is
/// computed once and then read from a table. A decode, and every branch of a beam or search forked from it,
/// holds only a state number; the automaton is shared and grows its tables as new states are reached.
///
/// A stack is a linked list of symbol positions (the top is the next symbol to match, the rest are return
/// positions), hash-consed so equal stacks are one number. A rule reference in the last position of an
/// alternative pushes no return position (a tail call), which keeps `x*` and right recursion at constant depth.
///
/// Thread-safe: one lock guards the tables; `withLock` runs a whole mask computation under it.
public final class GrammarAutomaton: @unchecked Sendable {
    /// A state number. `dead` means no continuation is possible.
    public typealias State = Int32
    public static let dead: State = -1

    private let grammar: CompiledGrammar
    private let lock = NSLock()

    // Stacks: `stackTop[s]` is a position in `grammar.symbols`, `stackParent[s]` the rest (-1: none).
    private var stackTop: [Int32] = []
    private var stackParent: [Int32] = []
    private var stackIDs: [Int64: Int32] = [:]
    private static let emptyStack: Int32 = -1

    // States: the stacks whose top is a byte range, sorted, and whether some stack was fully matched.
    private var stateStacks: [[Int32]] = []
    private var stateAccepting: [Bool] = []
    private var stateIDs: [StateKey: State] = [:]
    /// 256 entries per state once a byte from it has been asked: -2 unknown, -1 dead, else the next state.
    private var transitions: [[State]?] = []

    private struct StateKey: Hashable {
        let stacks: [Int32]
        let accepting: Bool
    }

    /// The state before any byte: the root rule's alternatives expanded.
    public private(set) var initial: State = dead

    /// States the automaton has reached so far (a measure of how much it has memoised).
    public var stateCount: Int { lock.withLock { stateStacks.count } }

    /// Compiles `definition`; refuses left recursion (a `GrammarError` at the rule).
    public init(_ definition: GrammarDefinition) throws {
        grammar = try CompiledGrammar(definition)
        var closure = Closure()
        for start in grammar.alternatives[Int(grammar.root)] {
            expand(stack(top: start, parent: Self.emptyStack), into: &closure)
        }
        initial = intern(closure)
    }

    /// Parses and compiles GBNF text.
    public convenience init(gbnf: String, root: String = "root") throws {
        try self.init(GBNFParser.parse(gbnf, root: root))
    }

    /// Whether the input so far is a complete sentence of the grammar (it may still continue).
    public func isAccepting(_ state: State) -> Bool {
        state == Self.dead ? false : lock.withLock { stateAccepting[Int(state)] }
    }

    /// Whether no byte can follow (the sentence is complete and cannot grow, or the state is dead).
    public func isFinal(_ state: State) -> Bool {
        state == Self.dead ? true : lock.withLock { stateStacks[Int(state)].isEmpty }
    }

    /// The state after `bytes`, or `dead`.
    public func advance(_ state: State, over bytes: some Sequence<UInt8>) -> State {
        lock.withLock {
            var s = state
            for b in bytes where s != Self.dead { s = unlockedNext(s, b) }
            return s
        }
    }

    /// Whether the whole of `text` is a sentence of the grammar.
    public func accepts(_ text: String) -> Bool {
        isAccepting(advance(initial, over: text.utf8))
    }

    /// Runs `body` with the tables locked and a transition function that must only be used inside it: how a
    /// mask walk makes its hundreds of thousands of steps without taking the lock for each.
    func withLock<T>(_ body: ((State, UInt8) -> State) -> T) -> T {
        lock.withLock { body { self.unlockedNext($0, $1) } }
    }

    // MARK: Transitions (lock held)

    private func unlockedNext(_ state: State, _ byte: UInt8) -> State {
        let s = Int(state)
        if let row = transitions[s] {
            let known = row[Int(byte)]
            if known != -2 { return known }
        } else {
            transitions[s] = [State](repeating: -2, count: 256)
        }
        var closure = Closure()
        for stack in stateStacks[s] {
            guard case let .bytes(low, high) = grammar.symbols[Int(stackTop[Int(stack)])], low <= byte, byte <= high else {
                continue
            }
            expand(continuation(after: stackTop[Int(stack)], parent: stackParent[Int(stack)]), into: &closure)
        }
        let next = closure.ready.isEmpty && !closure.accepting ? Self.dead : intern(closure)
        transitions[s]![Int(byte)] = next
        return next
    }

    /// The stacks reached while expanding: those waiting for a byte, and whether one was fully matched.
    private struct Closure {
        var ready: [Int32] = []
        var accepting = false
        var visited = Set<Int32>()
    }

    /// Expands `stack` until every stack it leads to has a byte range on top (or is empty: accepted).
    private func expand(_ first: Int32, into closure: inout Closure) {
        var work = [first]
        while let s = work.popLast() {
            if s == Self.emptyStack {
                closure.accepting = true
                continue
            }
            guard closure.visited.insert(s).inserted else { continue }
            let top = stackTop[Int(s)], parent = stackParent[Int(s)]
            switch grammar.symbols[Int(top)] {
            case .bytes:
                closure.ready.append(s)
            case .end:
                work.append(parent)
            case .rule(let r):
                let after = continuation(after: top, parent: parent)
                for start in grammar.alternatives[Int(r)].reversed() { work.append(stack(top: start, parent: after)) }
            }
        }
    }

    /// The stack that resumes after the symbol at `position`: the parent itself when that symbol ends its
    /// alternative (a tail call pushes nothing).
    private func continuation(after position: Int32, parent: Int32) -> Int32 {
        grammar.symbols[Int(position) + 1] == .end ? parent : stack(top: position + 1, parent: parent)
    }

    private func stack(top: Int32, parent: Int32) -> Int32 {
        let key = Int64(top) << 32 | Int64(UInt32(bitPattern: parent))
        if let id = stackIDs[key] { return id }
        let id = Int32(stackTop.count)
        stackTop.append(top)
        stackParent.append(parent)
        stackIDs[key] = id
        return id
    }

    private func intern(_ closure: Closure) -> State {
        let key = StateKey(stacks: closure.ready.sorted(), accepting: closure.accepting)
        if let id = stateIDs[key] { return id }
        let id = State(stateStacks.count)
        stateStacks.append(key.stacks)
        stateAccepting.append(key.accepting)
        transitions.append(nil)
        stateIDs[key] = id
        return id
    }
}
