/// One branch's copy of a request's logit processors, in order: started on the prompt, applied to each row,
/// told each accepted token, and forked where the branch splits. What decoders hold per hypothesis (a beam, a
/// search node), so a stateful processor follows each branch's own tokens.
public struct LogitProcessorChain: Sendable {
    public private(set) var processors: [any LogitProcessor]

    /// `processors` started on `context` (each a fresh copy: the request's own values are not changed).
    public init(_ processors: [any LogitProcessor], start context: ProcessorStart) {
        self.processors = processors.map { $0.fork() }
        for i in self.processors.indices { self.processors[i].start(context) }
    }

    public var isEmpty: Bool { processors.isEmpty }

    /// Whether a decoder must see whole rows: some processor does more than ban tokens.
    public var needsFullRows: Bool { processors.contains { !($0 is any TokenBanningProcessor) } }

    /// The tokens the banning processors forbid after `history` (all of them when `needsFullRows` is false).
    public func bannedTokens(history: [TokenID]) -> Set<TokenID> {
        var banned = Set<TokenID>()
        for p in processors {
            if let b = p as? any TokenBanningProcessor { banned.formUnion(b.bannedTokens(history: history)) }
        }
        return banned
    }

    /// Whether every processor lets the branch end here (see `LogitProcessor.permitsFinish`).
    public var permitsFinish: Bool { processors.allSatisfy(\.permitsFinish) }

    /// Applies every processor to `row`, in order.
    public func process(_ row: inout [Float], history: [TokenID]) {
        for p in processors { p.process(&row, history: history) }
    }

    /// Tells every processor the token this branch took.
    public mutating func accept(_ token: TokenID) {
        for i in processors.indices { processors[i].accept(token) }
    }

    /// An independent copy for a new branch.
    public func fork() -> LogitProcessorChain {
        var copy = self
        copy.processors = processors.map { $0.fork() }
        return copy
    }

    /// This chain after accepting `token`, for a child branch (a fork, so the parent is unchanged).
    public func accepting(_ token: TokenID) -> LogitProcessorChain {
        var child = fork()
        child.accept(token)
        return child
    }
}
