import Foundation

/// Runs a long job over a JSONL input, one output line per input line, so that nothing is ever lost:
///
/// - every output line is written whole, with one `write(2)`, and flushed before the next batch starts;
/// - `resume` skips the ids already in the output (after cutting away a torn last line, the only damage a
///   killed process can leave), so an interrupted run continues where it stopped;
/// - `shard: (i, n)` takes every n-th request (those whose 0-based index is ≡ i mod n), so a job spreads over
///   machines and merging the outputs is a concatenation;
/// - a bad input line stops the run with its line number and the reason, before any work on it;
/// - with a `recipe`, the sidecar `OUT.jsonl.meta.json` (`JobManifest`) records the input, model and
///   configuration the lines come from, and which shard they are; `resume` refuses to continue an output made
///   from anything else, and `sequitur merge` checks that every shard agrees.
///
/// ```swift
/// let job = try JSONLJob(input: inURL, output: outURL, resume: true, shard: nil)
/// try job.run(batchSize: 8, parse: { object, _ in try ScoringInput.parse(object, splitter: splitter, model: model) }) { batch in
///     (try scorer.score(batch.map(\.request), model: model).map(ScoreLine.init), 0)
/// }
/// ```
public struct JSONLJob {
    public let input: URL
    public let output: URL
    public let resume: Bool
    public let shard: Shard?
    /// The model and settings behind the results; nil writes no sidecar (library callers that track
    /// provenance themselves).
    public var recipe: JobRecipe?

    /// `index`-th of `count` shards (0-based).
    public struct Shard: Sendable, Equatable, CustomStringConvertible {
        public var index: Int
        public var count: Int
        public init(index: Int, count: Int) throws {
            guard count >= 1, index >= 0, index < count else {
                throw JSONLJobError.badShard("\(index)/\(count): need 0 ≤ I < N")
            }
            self.index = index
            self.count = count
        }
        /// Parses `I/N`.
        public init(parsing text: String) throws {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
                throw JSONLJobError.badShard("'\(text)': expected I/N, e.g. 0/4")
            }
            try self.init(index: i, count: n)
        }
        public var description: String { "\(index)/\(count)" }
        /// Whether the input's `itemIndex`-th request (0-based, blank lines not counted) is in this shard.
        public func contains(itemAt itemIndex: Int) -> Bool { Self.index(ofItemAt: itemIndex, count: count) == index }
        /// The shard of `count` that takes the `itemIndex`-th request: the assignment `merge` checks against.
        public static func index(ofItemAt itemIndex: Int, count: Int) -> Int { itemIndex % count }
    }

    public init(input: URL, output: URL, resume: Bool, shard: Shard?, recipe: JobRecipe? = nil) {
        self.input = input
        self.output = output
        self.resume = resume
        self.shard = shard
        self.recipe = recipe
    }

    /// One parsed input line.
    public struct Item<Request> {
        public var id: String
        public var line: Int
        public var request: Request
    }

    /// What `run` did.
    public struct Summary: Sendable, Equatable {
        public var written: Int
        public var skippedAsDone: Int
        public var skippedOtherShards: Int
        public var interrupted: Bool
    }

    /// Reads and validates every input line (so a bad line 90,000 fails before hours of work), then processes
    /// the pending ones in batches and appends one output line per item. `process` returns, for each item of
    /// its batch, the line to write (its JSON must contain the item's "id"). `shouldStop` is polled between
    /// batches (Ctrl-C): the run then stops cleanly after the batch in flight.
    public func run<Request, Line: Encodable>(batchSize: Int,
                             parse: (_ object: [String: Any], _ line: Int) throws -> (id: String, request: Request),
                             progress: ((_ done: Int, _ total: Int, _ tokens: Int) -> Void)? = nil,
                             shouldStop: () -> Bool = { false },
                             process: ([Item<Request>]) throws -> (lines: [Line], tokens: Int)) throws -> Summary {
        // The same file as input and output would be read as results (or truncated) while it is read as requests.
        if input.resolvingSymlinksInPath().standardizedFileURL.path == output.resolvingSymlinksInPath().standardizedFileURL.path {
            throw JSONLJobError.sameFile(input.path)
        }
        if FileProblem.isDirectory(output.path) { throw JSONLJobError.cannotWrite(output.path, "is a directory, not a file") }
        // Read once: the same bytes are parsed and fingerprinted.
        let data = try Self.contents(of: input)
        let items = try Self.readItems(data, file: input.path, parse: parse)
        let manifest = try recipe.map { try JobManifest(recipe: $0, inputBytes: data, shard: shard) }
        var done = Set<String>()
        let fm = FileManager.default
        if fm.fileExists(atPath: output.path) {
            guard resume else { throw JSONLJobError.outputExists(output.path) }
            if let manifest { try adopt(manifest) }
            done = try repairAndReadDoneIDs()
        } else {
            // The sidecar goes first: an output that has lines always has the manifest that explains them.
            try manifest?.write(for: output)
            guard fm.createFile(atPath: output.path, contents: nil) else { throw JSONLJobError.cannotWrite(output.path, "cannot create the file") }
        }
        var mine: [Item<Request>] = []
        var otherShards = 0
        for (index, item) in items.enumerated() {
            if let shard, !shard.contains(itemAt: index) { otherShards += 1; continue }
            mine.append(item)
        }
        let pending = mine.filter { !done.contains($0.id) }
        let handle: FileHandle
        do { handle = try FileHandle(forWritingTo: output) } catch {
            throw JSONLJobError.cannotWrite(output.path, FileProblem.reason(error, path: output.path))
        }
        defer { try? handle.close() }
        try handle.seekToEnd()
        var written = 0
        var tokens = 0
        var start = 0
        let size = max(1, batchSize)
        while start < pending.count {
            if shouldStop() {
                return Summary(written: written, skippedAsDone: mine.count - pending.count, skippedOtherShards: otherShards, interrupted: true)
            }
            let batch = Array(pending[start ..< min(start + size, pending.count)])
            let result = try process(batch)
            precondition(result.lines.count == batch.count, "process must return one line per item")
            var chunk = Data()
            for line in result.lines {
                let data = try JSONLineEncoder.encode(line)
                chunk.append(data)
                chunk.append(0x0A)
            }
            // One write per batch of whole lines, then flush to disk: a crash loses at most the batch in
            // flight and can tear only the last line, which resume repairs.
            do {
                try handle.write(contentsOf: chunk)
                try handle.synchronize()
            } catch { throw JSONLJobError.cannotWrite(output.path, FileProblem.reason(error, path: output.path)) }
            written += batch.count
            tokens += result.tokens
            start += batch.count
            progress?(written, pending.count, tokens)
        }
        return Summary(written: written, skippedAsDone: mine.count - pending.count, skippedOtherShards: otherShards, interrupted: false)
    }

    /// Resuming into an output made from another input, model, configuration or shard would mix two jobs'
    /// results in one file, which no later check could untangle; an output from before sidecars existed gets one.
    private func adopt(_ manifest: JobManifest) throws {
        guard let existing = try JobManifest.read(for: output) else {
            try manifest.write(for: output)
            return
        }
        let sidecar = JobManifest.url(for: output).path
        if let difference = existing.difference(from: manifest) {
            throw JSONLJobError.differentJob(output.path, "\(sidecar) records a different \(difference) than this run's")
        }
        if existing.shard != manifest.shard {
            let shown = { (s: JobManifest.ShardRecord?) in s.map { "\($0.index)/\($0.count)" } ?? "none" }
            throw JSONLJobError.differentJob(output.path, "\(sidecar) records shard \(shown(existing.shard)), this run is shard \(shown(manifest.shard))")
        }
    }

    /// Every line of `input` parsed and checked (JSON, UTF-8, the parser's fields, unique ids) before any work,
    /// so a bad line is reported, with its file and number, before a result is written. Blank lines are skipped.
    public static func readItems<Request>(
        of input: URL, parse: (_ object: [String: Any], _ line: Int) throws -> (id: String, request: Request)
    ) throws -> [Item<Request>] {
        try readItems(try contents(of: input), file: input.path, parse: parse)
    }

    /// The bytes of `url`, or an error that says why not (no such file, a directory) in words.
    static func contents(of url: URL) throws -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw JSONLJobError.unreadable(url.path, FileProblem.reason(error, path: url.path))
        }
    }

    /// Every non-blank line of `data` (the contents of `file`) parsed, in order, with ids checked to be unique.
    static func readItems<Request>(_ data: Data, file: String,
                                   parse: (_ object: [String: Any], _ line: Int) throws -> (id: String, request: Request)) throws -> [Item<Request>] {
        var items: [Item<Request>] = []
        var seen: [String: Int] = [:]
        var lineNumber = 0
        for rawLine in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = rawLine
            if line.last == 0x0D { line = line.dropLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            guard String(data: Data(line), encoding: .utf8) != nil else {
                throw JSONLJobError.badLine(file: file, line: lineNumber, reason: "not valid UTF-8")
            }
            let object: Any
            do { object = try JSONSerialization.jsonObject(with: Data(line)) } catch {
                throw JSONLJobError.badLine(file: file, line: lineNumber, reason: "not valid JSON")
            }
            guard let dict = object as? [String: Any] else {
                throw JSONLJobError.badLine(file: file, line: lineNumber, reason: "expected a JSON object")
            }
            let parsed: (id: String, request: Request)
            // Whatever the parser rejects (a field, a conversation's message, a tokenizer error) is this line's fault.
            do { parsed = try parse(dict, lineNumber) } catch {
                throw JSONLJobError.badLine(file: file, line: lineNumber, reason: "\(error)")
            }
            if let first = seen[parsed.id] {
                throw JSONLJobError.badLine(file: file, line: lineNumber, reason: "duplicate id \"\(parsed.id)\" (first on line \(first))")
            }
            seen[parsed.id] = lineNumber
            items.append(Item(id: parsed.id, line: lineNumber, request: parsed.request))
        }
        return items
    }

    /// Cuts a torn last line (no trailing newline, or not valid JSON) off the output and returns the ids of the
    /// complete lines.
    private func repairAndReadDoneIDs() throws -> Set<String> {
        let data: Data
        do { data = try Data(contentsOf: output) } catch { throw JSONLJobError.unreadable(output.path, FileProblem.reason(error, path: output.path)) }
        var keep = 0
        var ids = Set<String>()
        var offset = 0
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            let end = offset + line.count
            let complete = end < data.count  // followed by a newline
            if complete, let id = Self.resultID(of: line) {
                ids.insert(id)
                keep = end + 1
            } else if complete && !line.isEmpty {
                throw JSONLJobError.corruptOutput(output.path, "line at byte \(offset) is not a result line; refusing to resume into it")
            }
            offset = end + 1
        }
        if keep < data.count {
            let handle = try FileHandle(forWritingTo: output)
            try handle.truncate(atOffset: UInt64(keep))
            try handle.close()
        }
        return ids
    }

    /// The id of one complete output line; nil when the line is empty, not a JSON object, or has no id.
    static func resultID(of line: Data.SubSequence) -> String? {
        guard !line.isEmpty, let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { return nil }
        return object["id"].flatMap(JSONLFieldReader.idString)
    }
}

/// Errors of a JSONL job, each naming the file and, for input, the line.
public enum JSONLJobError: Error, CustomStringConvertible, Equatable {
    case unreadable(String, String)
    case badLine(file: String, line: Int, reason: String)
    case outputExists(String)
    case cannotWrite(String, String)
    case corruptOutput(String, String)
    case badShard(String)
    case sameFile(String)
    case differentJob(String, String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read: \(reason)"
        case let .badLine(file, line, reason): return "\(file):\(line): \(reason)"
        case let .outputExists(path): return "\(path) already exists: pass --resume to continue it, or remove it"
        case let .cannotWrite(path, reason): return "\(path): cannot write: \(reason)"
        case let .corruptOutput(path, reason): return "\(path): \(reason)"
        case let .badShard(reason): return "--shard \(reason)"
        case let .sameFile(path): return "\(path) is both the input and the output: write the results to another file"
        case let .differentJob(path, reason): return "\(path): cannot resume: \(reason); resuming would mix two jobs' results: remove the output and its .meta.json, or rerun with the original settings"
        }
    }
}

/// A problem with one field of an input line.
public struct JSONLFieldError: Error, CustomStringConvertible, Equatable {
    public var field: String
    public var problem: String
    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }
    public var description: String { "field \"\(field)\": \(problem)" }
}

/// Typed reads of fields of a JSON object, with errors that name the field.
public enum JSONLFieldReader {
    /// Ids may be strings or integers; both are kept as strings, exactly as written: an integer of any size
    /// keeps all its digits. Nil for anything else (see `idProblem`).
    public static func idString(_ value: Any) -> String? {
        if let s = value as? String { return s }
        return (value as? NSNumber).flatMap(integerDigits)
    }

    /// The digits of a JSON number written as an integer, at any size; nil for booleans and for numbers written
    /// with a fraction or an exponent.
    static func integerDigits(_ n: NSNumber) -> String? {
        guard !isBoolean(n) else { return nil }
        // Foundation parses integers beyond 64 bits as NSDecimalNumber, whose digits are exact.
        if let decimal = n as? NSDecimalNumber {
            let digits = decimal.stringValue
            return digits.allSatisfy({ $0.isNumber || $0 == "-" }) ? digits : nil
        }
        switch String(cString: n.objCType) {
        case "Q": return String(n.uint64Value)                  // 2⁶³ ... 2⁶⁴−1
        case "q", "l", "i", "s": return String(n.int64Value)
        default: return nil                                     // written with a fraction or an exponent
        }
    }

    /// Why `value` is not an id, for the error message.
    static func idProblem(_ value: Any) -> String {
        if let n = value as? NSNumber, !isBoolean(n) {
            return "\(n) is a number written with a fraction or an exponent; give ids as strings or as integers written digit by digit"
        }
        return "expected a string or an integer"
    }

    /// JSON `true`/`false` arrive as NSNumber too; a token id of `true` must be an error, not 1.
    static func isBoolean(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

    public static func id(_ object: [String: Any]) throws -> String {
        guard let raw = object["id"] else { throw JSONLFieldError(field: "id", problem: "missing") }
        guard let id = idString(raw) else { throw JSONLFieldError(field: "id", problem: idProblem(raw)) }
        return id
    }

    /// A JSON integer written as one (not `true`, not `1.0`), or nil.
    public static func integer(_ value: Any) -> Int? {
        (value as? NSNumber).flatMap(integerDigits).flatMap { Int($0) }
    }

    public static func optionalString(_ object: [String: Any], _ field: String) throws -> String? {
        guard let raw = object[field], !(raw is NSNull) else { return nil }
        guard let s = raw as? String else { throw JSONLFieldError(field: field, problem: "expected a string") }
        return s
    }

    public static func optionalTokenIDs(_ object: [String: Any], _ field: String) throws -> [Int32]? {
        guard let raw = object[field], !(raw is NSNull) else { return nil }
        guard let list = raw as? [Any] else { throw JSONLFieldError(field: field, problem: "expected a list of token ids") }
        return try list.enumerated().map { index, element in
            guard let n = element as? NSNumber, !isBoolean(n),
                  n.doubleValue == n.doubleValue.rounded(), let v = Int32(exactly: n.doubleValue) else {
                let shown = (element as? NSNumber).map { isBoolean($0) ? ($0.boolValue ? "true" : "false") : "\($0)" } ?? "\(element)"
                throw JSONLFieldError(field: "\(field)[\(index)]", problem: "expected an integer token id, got \(shown)")
            }
            return v
        }
    }
}
