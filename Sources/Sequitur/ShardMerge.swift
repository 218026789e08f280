import Foundation

/// Combines the outputs of a sharded `JSONLJob` (`--shard I/N` for I in 0..<N) into the one file a single run
/// would have written: every line in input order, byte for byte as its shard wrote it. Nothing is written
/// unless every check passes:
///
/// - each shard has its sidecar (`JobManifest`), made from this input, and all agree on the model and the
///   configuration (the fingerprint);
/// - the shards are exactly 0/N … N-1/N, each given once;
/// - no shard ends in a torn line (one still running, or killed mid-write) or holds a line that is not a
///   result;
/// - every input id appears exactly once, in the shard the assignment gives it; an id not in the input is
///   foreign.
///
/// The output is written atomically, with a sidecar of its own (no shard), like a single run's.
public enum ShardMerge {
    public struct Summary: Sendable, Equatable {
        public var lines: Int
        public var shards: Int
    }

    /// Where one result line was found.
    private struct Found {
        /// Position in the list of shard files, and the shard index its manifest gives.
        var shard: Int
        var index: Int
        var line: Int
        var bytes: Data.SubSequence
    }

    public static func merge(input: URL, shards: [URL], output: URL) throws -> Summary {
        guard !shards.isEmpty else { throw ShardMergeError.noShards }
        for path in [input.path] + shards.map(\.path) where samePath(path, output.path) {
            throw ShardMergeError.outputIsAnInput(output.path)
        }
        let inputData = try JSONLJob.contents(of: input)
        let items = try JSONLJob.readItems(inputData, file: input.path) { object, _ in (try JSONLFieldReader.id(object), ()) }
        let inputIdentity = JobManifest.InputIdentity(sha256: SHA256.hex(of: inputData), bytes: inputData.count)

        let manifests = try shards.map { url -> JobManifest in
            guard let manifest = try JobManifest.read(for: url) else { throw ShardMergeError.missingManifest(url.path) }
            guard manifest.input == inputIdentity else { throw ShardMergeError.otherInput(shard: url.path, input: input.path) }
            return manifest
        }
        let count = try checkShardSet(shards, manifests)
        let itemIndex = Dictionary(uniqueKeysWithValues: items.enumerated().map { ($0.element.id, $0.offset) })

        var found: [String: Found] = [:]
        for (position, url) in shards.enumerated() {
            let index = manifests[position].shard?.index ?? 0
            let name = "\(url.path) (shard \(index)/\(count))"
            let data = try JSONLJob.contents(of: url)
            // Checked before any line is read: a torn end means the shard is unfinished, whatever else is wrong.
            if let last = data.last, last != 0x0A {
                throw ShardMergeError.tornLine(file: name, line: data.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 })
            }
            var lineNumber = 0
            for line in data.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
                lineNumber += 1
                guard let id = JSONLJob.resultID(of: line) else { throw ShardMergeError.notAResultLine(file: name, line: lineNumber) }
                guard itemIndex[id] != nil else { throw ShardMergeError.foreignID(id: id, file: name, line: lineNumber) }
                if let first = found[id] {
                    throw ShardMergeError.duplicateID(id: id, first: "\(shards[first.shard].path):\(first.line)", file: name, line: lineNumber)
                }
                found[id] = Found(shard: position, index: index, line: lineNumber, bytes: line)
            }
        }
        // After the duplicates: an id in two shards is reported as a duplicate, not as being in the wrong one.
        for (position, item) in items.enumerated() {
            guard let location = found[item.id] else { continue }
            let owner = JSONLJob.Shard.index(ofItemAt: position, count: count)
            guard owner == location.index else {
                throw ShardMergeError.misplacedID(id: item.id, file: "\(shards[location.shard].path) (shard \(location.index)/\(count))",
                                                  line: location.line, inputLine: item.line, owner: "\(owner)/\(count)")
            }
        }

        let missing = items.enumerated().filter { found[$0.element.id] == nil }
        if let (first, item) = missing.first {
            let owner = JSONLJob.Shard.index(ofItemAt: first, count: count)
            let file = manifests.firstIndex { ($0.shard?.index ?? 0) == owner }.map { shards[$0].path } ?? "?"
            throw ShardMergeError.missingID(id: item.id, inputLine: item.line, shard: "\(owner)/\(count)", file: file, more: missing.count - 1)
        }

        var merged = Data()
        merged.reserveCapacity(found.values.reduce(0) { $0 + $1.bytes.count + 1 })
        for item in items {
            merged.append(contentsOf: found[item.id]!.bytes)
            merged.append(0x0A)
        }
        var manifest = manifests[0]
        manifest.shard = nil
        try manifest.write(for: output)
        try AtomicFile.write(merged, to: output)
        return Summary(lines: items.count, shards: shards.count)
    }

    /// All shards agree on the fingerprint and the shard count, and are exactly 0..<count, once each.
    /// Returns the count.
    private static func checkShardSet(_ shards: [URL], _ manifests: [JobManifest]) throws -> Int {
        let reference = manifests[0]
        let count = reference.shard?.count ?? 1
        var byIndex: [Int: String] = [:]
        for (url, manifest) in zip(shards, manifests) {
            if let difference = manifest.difference(from: reference) {
                throw ShardMergeError.otherJob(shard: url.path, reference: shards[0].path, difference: difference)
            }
            let shard = manifest.shard ?? JobManifest.ShardRecord(index: 0, count: 1)
            guard shard.count == count else {
                throw ShardMergeError.otherShardCount(shard: url.path, count: shard.count, reference: shards[0].path, expected: count)
            }
            if let first = byIndex[shard.index] {
                throw ShardMergeError.shardGivenTwice(shard: "\(shard.index)/\(count)", first: first, second: url.path)
            }
            byIndex[shard.index] = url.path
        }
        if let absent = (0 ..< count).first(where: { byIndex[$0] == nil }) {
            throw ShardMergeError.missingShard("\(absent)/\(count)", given: byIndex.count)
        }
        return count
    }

    private static func samePath(_ a: String, _ b: String) -> Bool {
        func canonical(_ p: String) -> String { URL(fileURLWithPath: p).resolvingSymlinksInPath().standardizedFileURL.path }
        return canonical(a) == canonical(b)
    }
}
