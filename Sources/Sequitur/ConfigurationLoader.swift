import Foundation
import SequiturCore
import Yams

/// Reads a `SequiturConfiguration` from a JSON or YAML file (JSON is read as YAML, which it is a subset of).
///
/// Every mistake is reported with the file and the field's path, e.g.
/// `run.yaml: decoder.parameters.numBeams: expected an integer, got "four"`. Unknown keys are errors, not
/// silently ignored: a misspelt `maxNewTokns` would otherwise quietly run with the default.
public enum ConfigurationLoader {
    /// `backendNames` are the backends the caller can build (its `BackendRegistry`'s names), so a misspelt
    /// backend is reported with the file and field here rather than later, without them.
    public static func load(file path: String,
                            backendNames: [String] = BackendRegistry.standard.names,
                            decoders: DecoderRegistry = .standard,
                            processors: ProcessorRegistry = .standard) throws -> SequiturConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError.unreadable(file: path, reason: "cannot read the file as UTF-8 text: \(FileProblem.reason(error, path: path))")
        }
        do {
            return try parse(text, backendNames: backendNames, decoders: decoders, processors: processors)
        } catch let error as ConfigurationError {
            throw ConfigurationError.inFile(file: path, error)
        }
    }

    /// Parses configuration text (JSON or YAML) and checks its values (`SequiturConfiguration.check`), the
    /// decoder's parameters against `decoders` and each processor's against `processors`.
    public static func parse(_ text: String,
                             backendNames: [String] = BackendRegistry.standard.names,
                             decoders: DecoderRegistry = .standard,
                             processors: ProcessorRegistry = .standard) throws -> SequiturConfiguration {
        try ConfigurationTextScreen.check(text)
        let node: Yams.Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError.invalidValue(path: "(document)", message: "not valid YAML or JSON: \(error)")
        }
        if let node {
            try ConfigurationNodeScreen.check(node)
            try ConfigurationDuplicateKeys.check(node)
        }
        let tree = node?.any
        guard let root = tree as? [String: Any] else {
            throw ConfigurationError.typeMismatch(path: "(document)", expected: "a mapping of fields", got: describe(tree))
        }
        try checkKeys(root, allowed: SequiturConfiguration.fieldNames, path: "")
        if let decoder = root["decoder"] as? [String: Any] {
            try checkKeys(decoder, allowed: DecoderConfiguration.fieldNames, path: "decoder")
        }
        if let stop = root["stop"] as? [String: Any] {
            try checkKeys(stop, allowed: StopConditions.fieldNames, path: "stop")
        }
        if let list = root["processors"] {
            guard let entries = list as? [Any] else {
                throw ConfigurationError.typeMismatch(path: "processors", expected: "a list of {name, parameters}", got: describe(list))
            }
            for (i, entry) in entries.enumerated() {
                guard let mapping = entry as? [String: Any] else {
                    throw ConfigurationError.typeMismatch(path: "processors[\(i)]", expected: "a mapping with name and parameters",
                                                          got: describe(entry))
                }
                try checkKeys(mapping, allowed: ProcessorConfiguration.fieldNames, path: "processors[\(i)]")
            }
        }
        try checkName(root["backend"], path: "backend", valid: backendNames)
        try checkName(root["scorer"], path: "scorer", valid: ScorerStrategy.allCases.map(\.rawValue))
        try checkScalarKinds(root)
        let configuration: SequiturConfiguration
        do {
            configuration = try YAMLDecoder().decode(SequiturConfiguration.self, from: text)
        } catch let error as Swift.DecodingError {
            throw translate(error, root: root)
        }
        try configuration.check(decoders: decoders, processors: processors)
        return configuration
    }

    /// Booleans and integers must be written as such: the YAML decoder would otherwise read the string "yes"
    /// as true and "12" as 12, so a quoted value (often a mistake for another field) passes unnoticed.
    private static func checkScalarKinds(_ root: [String: Any]) throws {
        for (path, expected) in expectedKinds.sorted(by: { $0.key < $1.key }) {
            var node: Any? = root
            for key in path.split(separator: ".") { node = (node as? [String: Any])?[String(key)] }
            guard let node, !(node is NSNull) else { continue }
            let ok: Bool
            switch expected {
            case "a boolean": ok = node is Bool
            case "an integer": ok = node is Int
            default: continue
            }
            if !ok { throw ConfigurationError.typeMismatch(path: path, expected: expected, got: describe(node)) }
        }
    }

    private static func checkKeys(_ mapping: [String: Any], allowed: [String], path: String) throws {
        for key in mapping.keys.sorted() where !allowed.contains(key) {
            throw ConfigurationError.unknownKey(path: path.isEmpty ? "(top level)" : path, key: key, valid: allowed)
        }
    }

    private static func checkName(_ value: Any?, path: String, valid: [String]) throws {
        guard let value else { return }
        guard let name = value as? String else {
            throw ConfigurationError.typeMismatch(path: path, expected: "one of " + valid.joined(separator: ", "), got: describe(value))
        }
        if !valid.contains(name) { throw ConfigurationError.unknownName(path: path, name: name, valid: valid) }
    }

    /// Turns Swift's DecodingError (a coding path and a debug string) into an error a person can act on.
    private static func translate(_ error: Swift.DecodingError, root: [String: Any]) -> ConfigurationError {
        func pathString(_ path: [any CodingKey]) -> String {
            path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        func value(at path: [any CodingKey]) -> Any? {
            var node: Any? = root
            for key in path {
                if let i = key.intValue, let list = node as? [Any] { node = i < list.count ? list[i] : nil }
                else { node = (node as? [String: Any])?[key.stringValue] }
            }
            return node
        }
        switch error {
        case let .typeMismatch(type, context):
            let path = pathString(context.codingPath)
            return .typeMismatch(path: path, expected: expectedKinds[path] ?? kindName(type),
                                 got: describe(value(at: context.codingPath)))
        case let .valueNotFound(type, context):
            return .typeMismatch(path: pathString(context.codingPath), expected: kindName(type), got: "null")
        case let .keyNotFound(key, context):
            return .missing(path: pathString(context.codingPath + [key]), hint: "This field is required.")
        case let .dataCorrupted(context):
            return .invalidValue(path: pathString(context.codingPath), message: context.debugDescription)
        @unknown default:
            return .invalidValue(path: "(document)", message: "\(error)")
        }
    }

    /// What each field holds, for messages: the YAML decoder reports its own node types ("Scalar"), which
    /// mean nothing to someone editing a config file.
    private static let expectedKinds: [String: String] = [
        "model": "a string (a path to a GGUF file)",
        "device": "an integer",
        "threads": "an integer",
        "decoder": "a mapping with name and parameters",
        "decoder.name": "a string",
        "decoder.parameters": "a mapping",
        "stop": "a mapping",
        "stop.maxNewTokens": "an integer",
        "stop.stopOnEndToken": "a boolean",
        "stop.extraEndTokens": "a list of integers",
        "stop.stopStrings": "a list of strings",
    ]

    private static func kindName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int32.Type, is Int64.Type, is UInt.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is Bool.Type: return "a boolean"
        case is String.Type: return "a string"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") { return "a mapping" }
            return "a value of type \(name)"
        }
    }

    private static func describe(_ value: Any?) -> String {
        switch value {
        case nil: return "nothing"
        case let s as String: return "\"\(s)\""
        case let list as [Any]: return "a list of \(list.count) items"
        case is [String: Any]: return "a mapping"
        case let v?: return "\(v)"
        }
    }
}
