import Foundation
import SequiturCore

/// What a command tells a `JSONLJob` about how its results are made, beyond the input: the model and every
/// setting that can change an output line. Settings that cannot (threads, batch size: Sequitur's scores are
/// bitwise the same for any batch composition and thread count) stay out, so shards run with different
/// resources still merge.
public struct JobRecipe: Sendable, Equatable {
    public var model: ModelIdentity
    /// The command ("score", "score --conversations", "rank", ...) and its result-changing settings.
    public var configuration: [String: ConfigValue]

    public init(model: ModelIdentity, configuration: [String: ConfigValue]) {
        self.model = model
        self.configuration = configuration
    }
}

/// The sidecar `OUT.jsonl.meta.json` a job writes beside its output: which input, model and configuration the
/// lines come from (and their fingerprint), and which shard of the input they cover. A sidecar rather than a
/// header line, because every line of the output is a result that people read with `jq` or pandas, that
/// `--resume` reads back, and that concatenates across shards; a header would break all three.
public struct JobManifest: Codable, Sendable, Equatable {
    public static let formatName = "sequitur-jsonl-output/1"

    public var format: String
    /// sha256 of the three parts below, the one value to compare.
    public var fingerprint: String
    public var input: InputIdentity
    public var model: ModelIdentity
    public var configuration: [String: ConfigValue]
    /// nil: the output covers the whole input (one run, or a merge).
    public var shard: ShardRecord?

    public struct InputIdentity: Codable, Sendable, Hashable {
        public var sha256: String
        public var bytes: Int
        public init(sha256: String, bytes: Int) {
            self.sha256 = sha256
            self.bytes = bytes
        }
    }

    public struct ShardRecord: Codable, Sendable, Hashable {
        public var index: Int
        public var count: Int
        public init(index: Int, count: Int) {
            self.index = index
            self.count = count
        }
    }

    public init(recipe: JobRecipe, inputBytes: Data, shard: JSONLJob.Shard?) throws {
        try self.init(input: InputIdentity(sha256: SHA256.hex(of: inputBytes), bytes: inputBytes.count),
                      model: recipe.model, configuration: recipe.configuration,
                      shard: shard.map { ShardRecord(index: $0.index, count: $0.count) })
    }

    public init(input: InputIdentity, model: ModelIdentity, configuration: [String: ConfigValue], shard: ShardRecord?) throws {
        self.format = Self.formatName
        self.input = input
        self.model = model
        self.configuration = configuration
        self.shard = shard
        struct Fingerprinted: Encodable {
            var input: InputIdentity
            var model: ModelIdentity
            var configuration: [String: ConfigValue]
        }
        fingerprint = SHA256.hex(of: try Self.encoder.encode(Fingerprinted(input: input, model: model, configuration: configuration)))
    }

    /// Sorted keys: the fingerprint of equal parts is the same text on every machine.
    private static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    /// `OUT.jsonl` → `OUT.jsonl.meta.json`.
    public static func url(for output: URL) -> URL {
        output.deletingLastPathComponent().appendingPathComponent(output.lastPathComponent + ".meta.json")
    }

    /// nil when there is no sidecar; an error when there is one that cannot be read.
    public static func read(for output: URL) throws -> JobManifest? {
        let url = url(for: output)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            let manifest = try JSONDecoder().decode(JobManifest.self, from: try Data(contentsOf: url))
            guard manifest.format == formatName else {
                throw JSONLFieldError(field: "format", problem: "\"\(manifest.format)\", expected \"\(formatName)\"")
            }
            return manifest
        } catch {
            throw JSONLJobError.corruptOutput(url.path, "not a readable output manifest: \(error)")
        }
    }

    public func write(for output: URL) throws {
        let e = Self.encoder
        e.outputFormatting.insert(.prettyPrinted)
        var data = try e.encode(self)
        data.append(0x0A)
        try AtomicFile.write(data, to: Self.url(for: output))
    }

    /// Which of input, model and configuration differ from `other`'s, in words; nil when the fingerprints agree.
    public func difference(from other: JobManifest) -> String? {
        guard fingerprint != other.fingerprint else { return nil }
        var parts: [String] = []
        if input != other.input { parts.append("input (sha256 \(input.sha256.prefix(12))… vs \(other.input.sha256.prefix(12))…)") }
        if model != other.model { parts.append("model (\(model.bytes) bytes, sampled sha256 \(model.sampled_sha256.prefix(12))… vs \(other.model.bytes) bytes, \(other.model.sampled_sha256.prefix(12))…)") }
        for key in Set(configuration.keys).union(other.configuration.keys).sorted() where configuration[key] != other.configuration[key] {
            parts.append("configuration \"\(key)\" (\(configuration[key]?.description ?? "unset") vs \(other.configuration[key]?.description ?? "unset"))")
        }
        return parts.isEmpty ? "fingerprint" : parts.joined(separator: ", ")
    }
}
