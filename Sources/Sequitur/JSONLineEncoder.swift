import Foundation
import SequiturCore

/// Writes a JSON object on one line with keys sorted and every `Double` in Swift's shortest form that reads
/// back to the same value. `JSONSerialization` keeps only 15 significant digits on Linux, so a log-prob written
/// by it and read back could differ in the last bit from the one computed; scores must round-trip exactly
/// (resumed and sharded runs are compared and concatenated).
///
/// A line is an `Encodable` value (`ScoreLine`, `ConversationScoreLine`): the same value `JSONEncoder` prints for
/// a person, so a line's fields are declared once. It is first turned into a tree of plain values, each number
/// keeping its own type, and the tree is written here.
public enum JSONLineEncoder {
    public struct UnencodableValue: Error, CustomStringConvertible {
        public let path: String
        public let value: String
        public var description: String { "cannot write \(value) at \(path) as JSON" }
    }

    public static func encode<Line: Encodable>(_ line: Line) throws -> Data {
        let root = TreeNode()
        try line.encode(to: TreeEncoder(node: root, codingPath: []))
        var out = ""
        try write(root.tree, path: "$", to: &out)
        return Data(out.utf8)
    }

    public static func encode(_ object: [String: Any]) throws -> Data {
        var out = ""
        try write(object, path: "$", to: &out)
        return Data(out.utf8)
    }

    static func write(_ value: Any, path: String, to out: inout String) throws {
        switch value {
        case let b as Bool where (value as? NSNumber).map(JSONLFieldReader.isBoolean) ?? true:
            out += b ? "true" : "false"
        case let i as Int: out += String(i)
        case let i as Int32: out += String(i)
        case let i as Int64: out += String(i)
        case let d as Double: try number(d, path: path, to: &out)
        case let f as Float: try number(Double(f), path: path, to: &out)
        case let s as String: string(s, to: &out)
        case is NSNull: out += "null"
        case let list as [Any]:
            out += "["
            for (i, element) in list.enumerated() {
                if i > 0 { out += "," }
                try write(element, path: "\(path)[\(i)]", to: &out)
            }
            out += "]"
        case let dictionary as [String: Any]:
            out += "{"
            for (i, (key, element)) in dictionary.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out += "," }
                string(key, to: &out)
                out += ":"
                try write(element, path: "\(path).\(key)", to: &out)
            }
            out += "}"
        default:
            throw UnencodableValue(path: path, value: String(describing: value))
        }
    }

    static func number(_ d: Double, path: String, to out: inout String) throws {
        guard d.isFinite else { throw UnencodableValue(path: path, value: String(d)) }
        // Swift's description is the shortest round-trip form; integral values print as "3.0", valid JSON.
        out += d.description
    }

    static func string(_ s: String, to out: inout String) {
        out += jsonStringLiteral(s)
    }
}

/// One value of the tree an `Encodable` line becomes: a reference, because containers hand out children that are
/// filled in after the container returns.
private final class TreeNode {
    enum Content {
        case empty
        case leaf(Any)
        case object([String: TreeNode])
        case array([TreeNode])
    }

    var content = Content.empty

    /// The plain value `JSONLineEncoder.write` takes; a value that encoded nothing is an empty object.
    var tree: Any {
        switch content {
        case .empty: return [String: Any]()
        case let .leaf(value): return value
        case let .object(members): return members.mapValues(\.tree)
        case let .array(elements): return elements.map(\.tree)
        }
    }

    /// Becomes an object, keeping the members already there: a line encodes its `TokenScores` into its own
    /// object by asking the same encoder for a second keyed container.
    func member(_ key: String) -> TreeNode {
        var members: [String: TreeNode] = [:]
        if case let .object(existing) = content { members = existing }
        let node = TreeNode()
        members[key] = node
        content = .object(members)
        return node
    }

    func makeObject() {
        if case .object = content { return }
        content = .object([:])
    }

    func makeArray() {
        if case .array = content { return }
        content = .array([])
    }

    func appendElement() -> TreeNode {
        var elements: [TreeNode] = []
        if case let .array(existing) = content { elements = existing }
        let node = TreeNode()
        elements.append(node)
        content = .array(elements)
        return node
    }

    /// Integers are kept as `Int` when they fit, the type `write` prints; one that does not stays as it is and
    /// `write` reports it.
    func setInteger<T: BinaryInteger>(_ value: T) {
        content = .leaf(Int(exactly: value).map { $0 as Any } ?? value)
    }
}

private struct TreeEncoder: Encoder {
    let node: TreeNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.makeObject()
        return KeyedEncodingContainer(KeyedTreeContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.makeArray()
        return UnkeyedTreeContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueTreeContainer(node: node, codingPath: codingPath)
    }
}

/// Members and elements go through the generic `encode`, which hands each value to a single-value container:
/// that is where a number becomes a leaf of its own type.
private struct KeyedTreeContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: TreeNode
    let codingPath: [any CodingKey]

    private func single(_ key: Key) -> SingleValueTreeContainer {
        SingleValueTreeContainer(node: node.member(key.stringValue), codingPath: codingPath + [key])
    }

    mutating func encodeNil(forKey key: Key) throws { var c = single(key); try c.encodeNil() }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { var c = single(key); try c.encode(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        TreeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        TreeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { TreeEncoder(node: node.member("super"), codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { TreeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]) }
}

private struct UnkeyedTreeContainer: UnkeyedEncodingContainer {
    let node: TreeNode
    let codingPath: [any CodingKey]
    var count: Int {
        if case let .array(elements) = node.content { return elements.count }
        return 0
    }

    private func next() -> SingleValueTreeContainer { SingleValueTreeContainer(node: node.appendElement(), codingPath: codingPath) }

    mutating func encodeNil() throws { var c = next(); try c.encodeNil() }
    mutating func encode<T: Encodable>(_ value: T) throws { var c = next(); try c.encode(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        TreeEncoder(node: node.appendElement(), codingPath: codingPath).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        TreeEncoder(node: node.appendElement(), codingPath: codingPath).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { TreeEncoder(node: node.appendElement(), codingPath: codingPath) }
}

private struct SingleValueTreeContainer: SingleValueEncodingContainer {
    let node: TreeNode
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.content = .leaf(NSNull()) }
    mutating func encode(_ value: Bool) throws { node.content = .leaf(value) }
    mutating func encode(_ value: String) throws { node.content = .leaf(value) }
    mutating func encode(_ value: Double) throws { node.content = .leaf(value) }
    mutating func encode(_ value: Float) throws { node.content = .leaf(value) }
    mutating func encode(_ value: Int) throws { node.setInteger(value) }
    mutating func encode(_ value: Int8) throws { node.setInteger(value) }
    mutating func encode(_ value: Int16) throws { node.setInteger(value) }
    mutating func encode(_ value: Int32) throws { node.setInteger(value) }
    mutating func encode(_ value: Int64) throws { node.setInteger(value) }
    mutating func encode(_ value: UInt) throws { node.setInteger(value) }
    mutating func encode(_ value: UInt8) throws { node.setInteger(value) }
    mutating func encode(_ value: UInt16) throws { node.setInteger(value) }
    mutating func encode(_ value: UInt32) throws { node.setInteger(value) }
    mutating func encode(_ value: UInt64) throws { node.setInteger(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try value.encode(to: TreeEncoder(node: node, codingPath: codingPath)) }
}
