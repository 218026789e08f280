/// Why `ShardMerge` refused to merge: each names the id, the shard file and the line involved.
public enum ShardMergeError: Error, CustomStringConvertible, Equatable {
    case noShards
    case outputIsAnInput(String)
    case missingManifest(String)
    case otherInput(shard: String, input: String)
    case otherJob(shard: String, reference: String, difference: String)
    case otherShardCount(shard: String, count: Int, reference: String, expected: Int)
    case shardGivenTwice(shard: String, first: String, second: String)
    case missingShard(String, given: Int)
    case tornLine(file: String, line: Int)
    case notAResultLine(file: String, line: Int)
    case foreignID(id: String, file: String, line: Int)
    case misplacedID(id: String, file: String, line: Int, inputLine: Int, owner: String)
    case duplicateID(id: String, first: String, file: String, line: Int)
    case missingID(id: String, inputLine: Int, shard: String, file: String, more: Int)

    public var description: String {
        switch self {
        case .noShards:
            return "no shard outputs given"
        case let .outputIsAnInput(path):
            return "\(path) is the input or one of the shards: write the merged output to another file"
        case let .missingManifest(path):
            return "\(path): no \(path).meta.json beside it, so nothing says which input, model, configuration and shard it comes from; rerun that shard with --resume to write it"
        case let .otherInput(shard, input):
            return "\(shard): produced from a different input than \(input) (its .meta.json records another sha256)"
        case let .otherJob(shard, reference, difference):
            return "\(shard): produced with a different \(difference) than \(reference)"
        case let .otherShardCount(shard, count, reference, expected):
            return "\(shard): one of \(count) shards, but \(reference) is one of \(expected)"
        case let .shardGivenTwice(shard, first, second):
            return "shard \(shard) given twice: \(first) and \(second)"
        case let .missingShard(shard, given):
            return "shard \(shard) is missing: \(given) shard file(s) given, none of them shard \(shard)"
        case let .tornLine(file, line):
            return "\(file):\(line): torn line (no newline at the end): the shard is still running or was killed mid-write; rerun it with --resume"
        case let .notAResultLine(file, line):
            return "\(file):\(line): not a result line (a JSON object with an \"id\")"
        case let .foreignID(id, file, line):
            return "\(file):\(line): id \"\(id)\" is not in the input"
        case let .misplacedID(id, file, line, inputLine, owner):
            return "\(file):\(line): id \"\(id)\" (input line \(inputLine)) belongs to shard \(owner)"
        case let .duplicateID(id, first, file, line):
            return "\(file):\(line): id \"\(id)\" appears again (first at \(first))"
        case let .missingID(id, inputLine, shard, file, more):
            let others = more > 0 ? ", and \(more) more id(s) are missing" : ""
            return "id \"\(id)\" (input line \(inputLine)) is missing from shard \(shard) (\(file))\(others): is that shard unfinished? rerun it with --resume"
        }
    }
}
