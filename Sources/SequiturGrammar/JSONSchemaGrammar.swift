import Foundation
import SequiturCore

/// Translates a JSON Schema into GBNF text, so that grammar-constrained decoding can force a model to emit
/// documents that validate against the schema, and `sequitur grammar --json-schema FILE` can show what a schema
/// means.
///
/// The root rule matches JSON documents written compactly with optional whitespace after every token, bounded in
/// the same way as llama.cpp (`space ::= | " " | "\n" [ \t]{0,20}`) so that a model cannot loop on whitespace
/// forever. The translation never accepts a document the schema rejects; where an exact grammar would be
/// impractical it is stricter than the schema, and those places are listed here so nobody mistakes them for bugs:
///
/// - Object keys appear in a fixed order: required properties in `properties` order, then optional ones in
///   `properties` order (each may be absent), then any additional properties. A generated document is therefore
///   deterministic in key order, like llama.cpp's `json_schema_to_grammar.py`.
/// - Declared keys, `enum` and `const` values are matched in one spelling: the compact JSON text with the minimal
///   escapes, numbers as written in the schema, object members in the schema's order.
/// - An additional key must not spell out a declared key, and may use escapes only after it has already
///   differed from every declared key (so no escape can smuggle in a declared name with the wrong schema).
/// - Numbers have at most 16 integral and 16 fractional digits, like llama.cpp; integers have no fraction or
///   exponent.
/// - `minLength`/`maxLength` count one per character or escape, so a `\uD83D\uDE00` surrogate pair counts as two.
///
/// Supported: `type` (a name or a list), `properties`, `required`, `additionalProperties` (false, true or absent
/// for any value, or a schema), `items` (one schema), `minItems`, `maxItems`, `minLength`, `maxLength`, `enum`,
/// `const` (either may sit next to `type`), `anyOf`, `oneOf`, `$ref` to a pointer in the same document such as
/// `#/$defs/name` or `#/definitions/name` (recursion allowed through objects and arrays), and `{}`/`true` for any
/// value. Without `type`, type-specific keywords constrain only values of their type, as the specification says:
/// `{"properties": ...}` also admits `5`. Annotations (`title`, `description`, `$schema`, `$id`, `examples`,
/// `default`, ...) are ignored.
///
/// `oneOf` is translated like `anyOf`: the grammar accepts a document matching several branches, which `oneOf`
/// forbids, so use it only with branches that cannot overlap. Keywords that would change the meaning of the schema
/// and are not translated (`pattern`, `minimum`, `format`, `allOf`, `not`, ...) throw a `JSONSchemaError` rather
/// than being ignored, because a grammar that silently loosens the schema lets invalid output through.
public enum JSONSchemaGrammar {
    public static func gbnf(schema: String) throws -> String {
        try gbnf(schema: Array(schema.utf8))
    }

    public static func gbnf(schema: Data) throws -> String {
        try gbnf(schema: [UInt8](schema))
    }

    public static func gbnf(schema: [UInt8]) throws -> String {
        var parser = SchemaTextParser(bytes: schema)
        let document = try parser.parseDocument()
        var translator = SchemaTranslator(root: document)
        return try translator.translate()
    }
}

/// A schema the translator cannot turn into a grammar, located by an RFC 6901 JSON pointer into the schema
/// document so the user can find the offending keyword ("" is the whole schema).
public struct JSONSchemaError: Error, CustomStringConvertible, Equatable {
    public var pointer: String
    public var message: String

    public init(pointer: String, message: String) {
        self.pointer = pointer
        self.message = message
    }

    public var description: String {
        pointer.isEmpty ? "schema: \(message)" : "schema at \(pointer): \(message)"
    }
}

// MARK: - Reading the schema

/// A parsed JSON value that keeps object members in document order: the order of `properties` decides the key
/// order of generated documents, and Foundation's `JSONSerialization` forgets it.
private indirect enum SchemaJSONValue: Equatable {
    case object([(key: String, value: SchemaJSONValue)])
    case array([SchemaJSONValue])
    case string(String)
    /// The literal text, so an `enum`/`const` number is matched as written.
    case number(String)
    case bool(Bool)
    case null

    static func == (lhs: SchemaJSONValue, rhs: SchemaJSONValue) -> Bool {
        switch (lhs, rhs) {
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.array(a), .array(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.bool(a), .bool(b)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }

    func member(_ key: String) -> SchemaJSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    var kindName: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }
}

/// A strict RFC 8259 parser for the schema text, reporting errors by line and column because a schema is usually
/// a hand-edited file.
private struct SchemaTextParser {
    private let bytes: [UInt8]
    private var index = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func parseDocument() throws -> SchemaJSONValue {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if index < bytes.count { throw failure("unexpected text after the JSON value") }
        return value
    }

    private func failure(_ problem: String) -> JSONSchemaError {
        var line = 1
        var column = 1
        for byte in bytes[..<min(index, bytes.count)] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return JSONSchemaError(pointer: "", message: "invalid JSON at line \(line), column \(column): \(problem)")
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private mutating func expect(_ text: String) throws {
        for byte in text.utf8 {
            guard index < bytes.count, bytes[index] == byte else { throw failure("expected \"\(text)\"") }
            index += 1
        }
    }

    private mutating func parseValue(depth: Int) throws -> SchemaJSONValue {
        // A bound on nesting keeps a hostile schema from overflowing the stack.
        guard depth < 512 else { throw failure("nested more than 512 levels deep") }
        guard index < bytes.count else { throw failure("unexpected end of text, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw failure("unexpected character, expected a value")
        }
    }

    private mutating func parseObject(depth: Int) throws -> SchemaJSONValue {
        index += 1
        var members: [(key: String, value: SchemaJSONValue)] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw failure("expected a string key")
            }
            let key = try parseString()
            if members.contains(where: { $0.key == key }) { throw failure("duplicate key \"\(key)\"") }
            skipWhitespace()
            try expect(":")
            skipWhitespace()
            members.append((key, try parseValue(depth: depth + 1)))
            skipWhitespace()
            guard index < bytes.count else { throw failure("unexpected end of text in an object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            } else {
                throw failure("expected \",\" or \"}\"")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws -> SchemaJSONValue {
        index += 1
        var elements: [SchemaJSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard index < bytes.count else { throw failure("unexpected end of text in an array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            } else {
                throw failure("expected \",\" or \"]\"")
            }
        }
    }

    private mutating func parseHex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count, let digit = hexDigitValue(bytes[index]) else {
                throw failure("expected four hex digits after \\u")
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }

    private func hexDigitValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    private mutating func parseString() throws -> String {
        index += 1
        var raw: [UInt8] = []
        while true {
            guard index < bytes.count else { throw failure("unterminated string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                guard let text = String(validating: raw, as: UTF8.self) else { throw failure("invalid UTF-8") }
                return text
            }
            if byte < 0x20 { throw failure("control character in a string (escape it)") }
            if byte != UInt8(ascii: "\\") {
                raw.append(byte)
                index += 1
                continue
            }
            index += 1
            guard index < bytes.count else { throw failure("unterminated string") }
            let escape = bytes[index]
            index += 1
            let simple: [UInt8: UInt8] = [
                UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C, UInt8(ascii: "/"): 0x2F, UInt8(ascii: "b"): 0x08,
                UInt8(ascii: "f"): 0x0C, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
            ]
            if let decoded = simple[escape] {
                raw.append(decoded)
                continue
            }
            guard escape == UInt8(ascii: "u") else {
                index -= 2
                throw failure("invalid escape in a string")
            }
            var code = try parseHex4()
            if (0xD800..<0xDC00).contains(code) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                else { throw failure("unpaired surrogate in a \\u escape") }
                index += 2
                let low = try parseHex4()
                guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate in a \\u escape") }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(code) else { throw failure("unpaired surrogate in a \\u escape") }
            raw.append(contentsOf: Array(String(Character(scalar)).utf8))
        }
    }

    private mutating func parseNumber() throws -> SchemaJSONValue {
        let start = index
        func digits() -> Int {
            let from = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - from
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let integralStart = index
        let integralDigits = digits()
        guard integralDigits > 0 else { throw failure("expected digits in a number") }
        if integralDigits > 1, bytes[integralStart] == UInt8(ascii: "0") {
            index = integralStart
            throw failure("number with a leading zero")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw failure("expected digits after the decimal point") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits() > 0 else { throw failure("expected digits in the exponent") }
        }
        return .number(String(decoding: bytes[start..<index], as: UTF8.self))
    }
}

// MARK: - Writing GBNF

/// Spelling of GBNF literals and character classes, kept in one place so every rule escapes the same way.
private enum SchemaGBNFSpelling {
    static func literal(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: out += plainOrEscaped(scalar)
            }
        }
        return out + "\""
    }

    /// A class member: the class metacharacters are escaped even where a parser could tell them apart (a "^"
    /// not in first place, a "-" at the end), so no reader has to know those positional rules.
    static func classMember(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "]", "\\", "^", "-": "\\" + String(scalar)
        default: plainOrEscaped(scalar)
        }
    }

    private static func plainOrEscaped(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                return "\\x" + (hex.count < 2 ? "0" + hex : hex)
            }
            return String(scalar)
        }
    }

    /// The JSON spelling of a string, with only the escapes JSON requires: the one spelling declared keys,
    /// `enum` and `const` strings are matched in.
    static func jsonString(_ text: String) -> String { jsonStringLiteral(text) }

    /// `expression` repeated between `minimum` and `maximum` times (nil: unbounded), in the shortest spelling.
    static func repetition(_ expression: String, minimum: Int, maximum: Int?) -> String {
        switch (minimum, maximum) {
        case (_, 0?): return ""
        case (0, nil): return "\(expression)*"
        case (1, nil): return "\(expression)+"
        case (0, 1?): return "\(expression)?"
        case (1, 1?): return expression
        case let (low, nil): return "\(expression){\(low),}"
        case let (low, high?) where low == high: return "\(expression){\(low)}"
        case let (low, high?): return "\(expression){\(low),\(high)}"
        }
    }
}

/// The rules every translated grammar may refer to, named and spelled as in llama.cpp's JSON grammars so that
/// grammars from either tool read alike. Each is emitted only if something uses it.
private let primitiveRules: [(name: String, body: String, uses: [String])] = [
    ("value", "object | array | string | number | boolean | null", ["object", "array", "string", "number", "boolean", "null"]),
    ("object", #""{" space ( string ":" space value ( "," space string ":" space value )* )? "}" space"#, ["string", "value", "space"]),
    ("array", #""[" space ( value ( "," space value )* )? "]" space"#, ["value", "space"]),
    ("string", #""\"" char* "\"" space"#, ["char", "space"]),
    ("number", #"( "-"? integral-part ) ( "." decimal-part )? ( [eE] [-+]? [0-9]{1,16} )? space"#, ["integral-part", "decimal-part", "space"]),
    ("integer", #"( "-"? integral-part ) space"#, ["integral-part", "space"]),
    ("boolean", #"( "true" | "false" ) space"#, ["space"]),
    ("null", #""null" space"#, ["space"]),
    ("char", #"[^"\\\x7F\x00-\x1F] | "\\" ( ["\\bfnrt/] | "u" [0-9a-fA-F]{4} )"#, []),
    ("integral-part", "[0] | [1-9] [0-9]{0,15}", []),
    ("decimal-part", "[0-9]{1,16}", []),
    ("space", #"| " " | "\n" [ \t]{0,20}"#, []),
]

/// The JSON types a schema can admit; `integer` is kept apart from `number` because its grammar differs.
private enum JSONType: String, CaseIterable {
    case object, array, string, number, integer, boolean, null
}

private let annotationKeywords: Set<String> = [
    "title", "description", "$schema", "$id", "$comment", "examples", "default", "deprecated", "readOnly",
    "writeOnly", "definitions", "$defs",
]
private let typeKeywords: [JSONType: Set<String>] = [
    .object: ["properties", "required", "additionalProperties"],
    .array: ["items", "minItems", "maxItems"],
    .string: ["minLength", "maxLength"],
]
private let combiningKeywords: Set<String> = ["type", "enum", "const", "anyOf", "oneOf", "$ref"]

/// Walks the schema, emitting one named rule per object, array or referenced definition; everything else is
/// written inline. Rule names come from the property path so the grammar can be read next to the schema.
private struct SchemaTranslator {
    let root: SchemaJSONValue
    private var rules: [(name: String, body: String)] = []
    private var bodiesByName: [String: String] = [:]
    private var refRules: [String: String] = [:]
    /// The `$ref`s entered since the last consumed token: re-entering one would be a left recursion, which
    /// would hang a matcher rather than constrain it.
    private var refsWithoutProgress: Set<String> = []
    /// Names reserved by a caller whose whole body is about to be one expression: an object or array rule built
    /// for that expression takes the name itself, so the grammar reads `root ::= "{" ...` rather than
    /// `root ::= root-2`.
    private var claimable: Set<String> = []

    init(root: SchemaJSONValue) {
        self.root = root
    }

    mutating func translate() throws -> String {
        rules.append(("root", ""))
        bodiesByName["root"] = ""
        // "#" names the root rule itself; entering it again before any object or array is a left recursion.
        refRules[""] = "root"
        refsWithoutProgress = [""]
        claimable = ["root"]
        let body = try expression(for: root, at: "", name: "root")
        if body != "root" { define("root", body) }

        var used = Set<String>()
        var pending = rules.flatMap { referencedNames(in: $0.body) }
        while let name = pending.popLast() {
            guard used.insert(name).inserted else { continue }
            pending += primitiveRules.first { $0.name == name }?.uses ?? []
        }
        var lines = rules.map { "\($0.name) ::= \($0.body)" }
        for primitive in primitiveRules where used.contains(primitive.name) && bodiesByName[primitive.name] == nil {
            lines.append("\(primitive.name) ::= \(primitive.body)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Bare words outside literals and classes: enough to know which primitive rules a body refers to.
    private func referencedNames(in body: String) -> [String] {
        var names: [String] = []
        var word = ""
        var inLiteral = false
        var inClass = false
        var escaped = false
        for character in body {
            if escaped {
                escaped = false
                continue
            }
            if inLiteral || inClass {
                if character == "\\" { escaped = true }
                if inLiteral, character == "\"" { inLiteral = false }
                if inClass, character == "]" { inClass = false }
                continue
            }
            if character.isLetter || character.isNumber || character == "-" {
                word.append(character)
                continue
            }
            if !word.isEmpty { names.append(word) }
            word = ""
            if character == "\"" { inLiteral = true }
            if character == "[" { inClass = true }
        }
        if !word.isEmpty { names.append(word) }
        return names
    }

    // MARK: Rule bookkeeping

    /// A rule name derived from a path: GBNF names allow only [a-z0-9-], so everything else becomes a hyphen.
    private func sanitized(_ text: String) -> String {
        var out = ""
        for scalar in text.lowercased().unicodeScalars {
            let valid = ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
            if valid {
                out.unicodeScalars.append(scalar)
            } else if !out.hasSuffix("-") {
                out += "-"
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        while out.hasPrefix("-") { out.removeFirst() }
        return out.isEmpty ? "x" : out
    }

    /// Reserves a fresh name starting with `base`; two paths may sanitise alike ("a b" and "a-b"), and the
    /// primitive names are taken, so a counter keeps them apart.
    private mutating func reserveName(_ base: String) -> String {
        let reserved = Set(primitiveRules.map(\.name))
        var candidate = base
        var counter = 2
        while bodiesByName[candidate] != nil || reserved.contains(candidate) {
            candidate = "\(base)-\(counter)"
            counter += 1
        }
        bodiesByName[candidate] = ""
        rules.append((candidate, ""))
        return candidate
    }

    /// The caller's own name when it may be claimed, else a fresh one.
    private mutating func claimOrReserveName(_ base: String) -> String {
        if claimable.remove(base) != nil { return base }
        return reserveName(base)
    }

    private mutating func define(_ name: String, _ body: String) {
        bodiesByName[name] = body
        if let position = rules.firstIndex(where: { $0.name == name }) { rules[position].body = body }
    }

    private mutating func namedRule(_ base: String, _ body: String) -> String {
        let name = reserveName(base)
        define(name, body)
        return name
    }

    // MARK: Schemas

    /// The grammar expression for `schema`, found at `pointer`; `name` is the rule name its own rules derive from.
    private mutating func expression(for schema: SchemaJSONValue, at pointer: String, name: String) throws -> String {
        switch schema {
        case .bool(true):
            return "value"
        case .bool(false):
            throw JSONSchemaError(pointer: pointer, message: "the schema false admits no value, so no grammar can match it")
        case .object(let members):
            for (key, _) in members where !annotationKeywords.contains(key) && !combiningKeywords.contains(key)
                && !typeKeywords.values.contains(where: { $0.contains(key) })
            {
                throw JSONSchemaError(
                    pointer: pointer + "/" + escapePointerToken(key),
                    message: "unsupported keyword \"\(key)\": it would change which documents validate, and the grammar cannot express it")
            }
            let meaningful = members.map(\.key).filter { !annotationKeywords.contains($0) }
            if let combinator = ["$ref", "anyOf", "oneOf", "enum", "const"].first(where: meaningful.contains) {
                let allowedSiblings: Set<String> = (combinator == "enum" || combinator == "const") ? [combinator, "type"] : [combinator]
                if let sibling = meaningful.first(where: { !allowedSiblings.contains($0) }) {
                    throw JSONSchemaError(
                        pointer: pointer + "/" + escapePointerToken(sibling),
                        message: "\"\(sibling)\" next to \"\(combinator)\" is not supported: both would have to hold, and the grammar can express only one")
                }
            }
            if meaningful.isEmpty { return "value" }
            let types = try admittedTypes(schema, at: pointer)
            if let target = schema.member("$ref") {
                return try reference(target, at: pointer + "/$ref")
            }
            for combinator in ["anyOf", "oneOf"] {
                if let branches = schema.member(combinator) {
                    return try alternatives(branches, at: pointer + "/" + combinator, name: name)
                }
            }
            if let allowed = schema.member("enum") {
                guard case .array(let values) = allowed, !values.isEmpty else {
                    throw JSONSchemaError(pointer: pointer + "/enum", message: "expected a non-empty array, found \(allowed.kindName)")
                }
                return try literalAlternatives(values, types: types, at: pointer + "/enum")
            }
            if let constant = schema.member("const") {
                return try literalAlternatives([constant], types: types, at: pointer + "/const")
            }
            let branchTypes = JSONType.allCases.filter { types.contains($0) && !($0 == .integer && types.contains(.number)) }
            if branchTypes.count > 1 { claimable.remove(name) }
            var branches: [String] = []
            for type in branchTypes {
                let branchName = branchTypes.count > 1 ? name + "-" + type.rawValue : name
                branches.append(try expression(for: type, schema: schema, at: pointer, name: branchName))
            }
            return branches.count == 1 ? branches[0] : "( " + branches.joined(separator: " | ") + " )"
        default:
            throw JSONSchemaError(pointer: pointer, message: "expected a schema (an object or a boolean), found \(schema.kindName)")
        }
    }

    /// The types `type` admits; without `type`, every type, since then keywords such as `properties` only
    /// constrain the values of their own type and let the others through.
    private func admittedTypes(_ schema: SchemaJSONValue, at pointer: String) throws -> Set<JSONType> {
        guard let declared = schema.member("type") else { return Set(JSONType.allCases) }
        let expected = JSONType.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        func type(_ value: SchemaJSONValue, at pointer: String) throws -> JSONType {
            guard case .string(let name) = value else {
                throw JSONSchemaError(pointer: pointer, message: "expected a type name, found \(value.kindName)")
            }
            guard let type = JSONType(rawValue: name) else {
                throw JSONSchemaError(pointer: pointer, message: "unknown type \"\(name)\" (expected one of \(expected))")
            }
            return type
        }
        switch declared {
        case .string: return [try type(declared, at: pointer + "/type")]
        case .array(let names) where !names.isEmpty:
            return Set(try names.enumerated().map { try type($1, at: pointer + "/type/\($0)") })
        default:
            throw JSONSchemaError(pointer: pointer + "/type", message: "expected a type name or a non-empty array of them, found \(declared.kindName)")
        }
    }

    private mutating func expression(for type: JSONType, schema: SchemaJSONValue, at pointer: String, name: String) throws -> String {
        switch type {
        case .object: return try objectExpression(schema, at: pointer, name: name)
        case .array: return try arrayExpression(schema, at: pointer, name: name)
        case .string: return try stringExpression(schema, at: pointer)
        case .number, .integer, .boolean, .null: return type.rawValue
        }
    }

    private mutating func alternatives(_ branches: SchemaJSONValue, at pointer: String, name: String) throws -> String {
        guard case .array(let schemas) = branches, !schemas.isEmpty else {
            throw JSONSchemaError(pointer: pointer, message: "expected a non-empty array of schemas, found \(branches.kindName)")
        }
        let expressions = try schemas.enumerated().map { position, branch in
            try expression(for: branch, at: pointer + "/\(position)", name: "\(name)-\(position)")
        }
        return expressions.count == 1 ? expressions[0] : "( " + expressions.joined(separator: " | ") + " )"
    }

    private mutating func reference(_ target: SchemaJSONValue, at pointer: String) throws -> String {
        guard case .string(let reference) = target else {
            throw JSONSchemaError(pointer: pointer, message: "expected a string, found \(target.kindName)")
        }
        guard reference.hasPrefix("#") else {
            throw JSONSchemaError(pointer: pointer, message: "only references into this schema (\"#/$defs/...\", \"#/definitions/...\") are supported, not \"\(reference)\"")
        }
        let targetPointer = String(reference.dropFirst())
        if let existing = refRules[targetPointer] {
            if refsWithoutProgress.contains(targetPointer) {
                throw JSONSchemaError(pointer: pointer, message: "\"\(reference)\" refers back to itself without any object or array in between, so it matches nothing finite")
            }
            return existing
        }
        var resolved = root
        let tokens = targetPointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
        if !targetPointer.hasPrefix("/") {
            throw JSONSchemaError(pointer: pointer, message: "\"\(reference)\" is not a JSON pointer (expected \"#/...\")")
        }
        for token in tokens {
            switch resolved {
            case .object:
                guard let next = resolved.member(token) else {
                    throw JSONSchemaError(pointer: pointer, message: "\"\(reference)\" does not exist in this schema")
                }
                resolved = next
            case .array(let elements):
                guard let position = Int(token), elements.indices.contains(position) else {
                    throw JSONSchemaError(pointer: pointer, message: "\"\(reference)\" does not exist in this schema")
                }
                resolved = elements[position]
            default:
                throw JSONSchemaError(pointer: pointer, message: "\"\(reference)\" does not exist in this schema")
            }
        }
        let ruleName = reserveName("ref-" + sanitized(tokens.last ?? "root"))
        refRules[targetPointer] = ruleName
        refsWithoutProgress.insert(targetPointer)
        defer { refsWithoutProgress.remove(targetPointer) }
        claimable.insert(ruleName)
        let body = try expression(for: resolved, at: targetPointer, name: ruleName)
        claimable.remove(ruleName)
        if body != ruleName { define(ruleName, body) }
        return ruleName
    }

    /// `enum`/`const` values as literals, each with the optional whitespace a document may put between tokens;
    /// values of a type that `type` excludes can never validate and are dropped.
    private mutating func literalAlternatives(_ values: [SchemaJSONValue], types: Set<JSONType>, at pointer: String) throws -> String {
        let admitted = values.filter { value in
            switch value {
            case .object: types.contains(.object)
            case .array: types.contains(.array)
            case .string: types.contains(.string)
            case .bool: types.contains(.boolean)
            case .null: types.contains(.null)
            case .number(let text):
                types.contains(.number) || (types.contains(.integer) && (Double(text).map { $0.rounded() == $0 } ?? false))
            }
        }
        guard !admitted.isEmpty else {
            throw JSONSchemaError(pointer: pointer, message: "no value here has a type that \"type\" allows, so nothing validates")
        }
        let literals = admitted.map(literal)
        var unique: [String] = []
        for literal in literals where !unique.contains(literal) { unique.append(literal) }
        return unique.count == 1 ? unique[0] : "( " + unique.joined(separator: " | ") + " )"
    }

    private func literal(_ value: SchemaJSONValue) -> String {
        switch value {
        case .object(let members):
            let inner = members.map { "\(SchemaGBNFSpelling.literal(SchemaGBNFSpelling.jsonString($0.key))) space \":\" space \(literal($0.value))" }
            return "\"{\" space " + (inner.isEmpty ? "" : inner.joined(separator: " \",\" space ") + " ") + "\"}\" space"
        case .array(let elements):
            let inner = elements.map(literal)
            return "\"[\" space " + (inner.isEmpty ? "" : inner.joined(separator: " \",\" space ") + " ") + "\"]\" space"
        case .string(let text): return SchemaGBNFSpelling.literal(SchemaGBNFSpelling.jsonString(text)) + " space"
        case .number(let text): return SchemaGBNFSpelling.literal(text) + " space"
        case .bool(let flag): return (flag ? "\"true\"" : "\"false\"") + " space"
        case .null: return "\"null\" space"
        }
    }

    private func count(_ schema: SchemaJSONValue, _ keyword: String, at pointer: String) throws -> Int? {
        guard let value = schema.member(keyword) else { return nil }
        guard case .number(let text) = value, let count = Int(text), count >= 0 else {
            throw JSONSchemaError(pointer: pointer + "/" + keyword, message: "expected a non-negative integer, found \(value.kindName)")
        }
        return count
    }

    private func bounds(_ schema: SchemaJSONValue, _ lower: String, _ upper: String, at pointer: String) throws -> (Int, Int?) {
        let minimum = try count(schema, lower, at: pointer) ?? 0
        let maximum = try count(schema, upper, at: pointer)
        if let maximum, maximum < minimum {
            throw JSONSchemaError(pointer: pointer + "/" + upper, message: "\(upper) \(maximum) is less than \(lower) \(minimum), so nothing validates")
        }
        return (minimum, maximum)
    }

    private func stringExpression(_ schema: SchemaJSONValue, at pointer: String) throws -> String {
        let (minimum, maximum) = try bounds(schema, "minLength", "maxLength", at: pointer)
        if minimum == 0, maximum == nil { return "string" }
        let characters = SchemaGBNFSpelling.repetition("char", minimum: minimum, maximum: maximum)
        return "\"\\\"\" \(characters) \"\\\"\" space"
    }

    private mutating func arrayExpression(_ schema: SchemaJSONValue, at pointer: String, name: String) throws -> String {
        let (minimum, maximum) = try bounds(schema, "minItems", "maxItems", at: pointer)
        let itemsSchema = schema.member("items")
        if case .array? = itemsSchema {
            throw JSONSchemaError(pointer: pointer + "/items", message: "an array of schemas (tuple validation) is not supported")
        }
        if itemsSchema == nil, minimum == 0, maximum == nil { return "array" }
        if itemsSchema == .bool(false) || maximum == 0 {
            guard minimum == 0 else {
                throw JSONSchemaError(pointer: pointer + "/items", message: "items false forbids every element, so minItems \(minimum) cannot hold")
            }
            let ruleName = claimOrReserveName(name)
            define(ruleName, #""[" space "]" space"#)
            return ruleName
        }
        let ruleName = claimOrReserveName(name)
        let saved = refsWithoutProgress
        refsWithoutProgress = []
        defer { refsWithoutProgress = saved }
        let item = try itemsSchema.map { try expression(for: $0, at: pointer + "/items", name: ruleName + "-item") } ?? "value"
        let following = "( \",\" space \(item) )"
        let rest = SchemaGBNFSpelling.repetition(following, minimum: max(minimum - 1, 0), maximum: maximum.map { $0 - 1 })
        let elements = rest.isEmpty ? item : "\(item) \(rest)"
        let body = minimum == 0 ? "\"[\" space ( \(elements) )? \"]\" space" : "\"[\" space \(elements) \"]\" space"
        define(ruleName, body)
        return ruleName
    }

    /// One member of an object in the fixed key order; `extra` is the additional-properties member, which may
    /// repeat.
    private enum Member {
        case required(String)
        case optional(String)
        case extra(String)
    }

    private mutating func objectExpression(_ schema: SchemaJSONValue, at pointer: String, name: String) throws -> String {
        var declared: [(key: String, schema: SchemaJSONValue)] = []
        if let properties = schema.member("properties") {
            guard case .object(let members) = properties else {
                throw JSONSchemaError(pointer: pointer + "/properties", message: "expected an object mapping names to schemas, found \(properties.kindName)")
            }
            declared = members.map { ($0.key, $0.value) }
        }
        var required: [String] = []
        if let list = schema.member("required") {
            guard case .array(let names) = list else {
                throw JSONSchemaError(pointer: pointer + "/required", message: "expected an array of property names, found \(list.kindName)")
            }
            for (position, entry) in names.enumerated() {
                guard case .string(let key) = entry else {
                    throw JSONSchemaError(pointer: pointer + "/required/\(position)", message: "expected a property name, found \(entry.kindName)")
                }
                if !required.contains(key) { required.append(key) }
            }
        }
        let additional = schema.member("additionalProperties") ?? .bool(true)
        let additionalAllowed = additional != .bool(false)
        if case .object = additional {} else if case .bool = additional {} else {
            throw JSONSchemaError(pointer: pointer + "/additionalProperties", message: "expected a schema (an object or a boolean), found \(additional.kindName)")
        }
        if declared.isEmpty, required.isEmpty, additional == .bool(true) { return "object" }

        let ruleName = claimOrReserveName(name)
        let saved = refsWithoutProgress
        refsWithoutProgress = []
        defer { refsWithoutProgress = saved }

        // A required name missing from `properties` is governed by additionalProperties.
        for (position, key) in required.enumerated() where !declared.contains(where: { $0.key == key }) {
            guard additionalAllowed else {
                throw JSONSchemaError(pointer: pointer + "/required/\(position)", message: "\"\(key)\" is required but not in properties, and additionalProperties is false, so nothing validates")
            }
            declared.append((key, additional))
        }

        var members: [Member] = []
        func memberExpression(_ key: String, _ propertySchema: SchemaJSONValue, pointer propertyPointer: String) throws -> String {
            let value = try expression(for: propertySchema, at: propertyPointer, name: ruleName + "-" + sanitized(key))
            return "\(SchemaGBNFSpelling.literal(SchemaGBNFSpelling.jsonString(key))) space \":\" space \(value)"
        }
        for entry in declared where required.contains(entry.key) {
            let key = entry.key
            let isListed = schema.member("properties")?.member(key) != nil
            let propertyPointer = isListed ? pointer + "/properties/" + escapePointerToken(key) : pointer + "/additionalProperties"
            members.append(.required(try memberExpression(key, entry.schema, pointer: propertyPointer)))
        }
        for (key, propertySchema) in declared where !required.contains(key) {
            if propertySchema == .bool(false) { continue }
            let propertyPointer = pointer + "/properties/" + escapePointerToken(key)
            members.append(.optional(try memberExpression(key, propertySchema, pointer: propertyPointer)))
        }
        if additionalAllowed {
            let value = try expression(for: additional, at: pointer + "/additionalProperties", name: ruleName + "-additional")
            let key = additionalKeyExpression(excluding: declared.map(\.key), name: ruleName)
            members.append(.extra(namedRule(ruleName + "-additional-kv", "\(key) \":\" space \(value)")))
        }

        var sequenceRules: [String: String] = [:]
        func sequence(from start: Int, needsComma: Bool) -> String {
            let comma = needsComma ? "\",\" space " : ""
            guard start < members.count else { return "" }
            switch members[start] {
            case .required(let member):
                let rest = sequence(from: start + 1, needsComma: true)
                return comma + member + (rest.isEmpty ? "" : " " + rest)
            case .extra(let member):
                return needsComma ? "( \",\" space \(member) )*" : "( \(member) ( \",\" space \(member) )* )?"
            case .optional(let member):
                let key = "\(start)-\(needsComma)"
                if let existing = sequenceRules[key] { return existing }
                let present = sequence(from: start + 1, needsComma: true)
                let absent = sequence(from: start + 1, needsComma: needsComma)
                let whenPresent = "\(comma)\(member)\(present.isEmpty ? "" : " " + present)"
                // An empty last alternative would make llama.cpp's parser read the next line as part of this
                // rule, so an absent tail is written with "?" instead.
                let body = absent.isEmpty ? "( \(whenPresent) )?" : "\(whenPresent) | \(absent)"
                let rule = namedRule("\(ruleName)-from-\(start)\(needsComma ? "-after-comma" : "")", body)
                sequenceRules[key] = rule
                return rule
            }
        }
        let inner = sequence(from: 0, needsComma: false)
        define(ruleName, "\"{\" space \(inner.isEmpty ? "" : inner + " ")\"}\" space")
        return ruleName
    }

    /// A JSON string that is not the spelling of any declared key, so an extra member cannot carry a declared
    /// name past that property's schema. It walks a trie of the declared keys: while the text is still a prefix
    /// of one, only unescaped characters are allowed (an escape could spell a declared character), and the
    /// first character off the trie leads to an arbitrary rest.
    private mutating func additionalKeyExpression(excluding keys: [String], name: String) -> String {
        if keys.isEmpty { return "string" }
        final class TrieNode {
            var children: [(Unicode.Scalar, TrieNode)] = []
            var isKey = false
        }
        let trie = TrieNode()
        for key in keys {
            var node = trie
            for scalar in key.unicodeScalars {
                if let child = node.children.first(where: { $0.0 == scalar })?.1 {
                    node = child
                } else {
                    let child = TrieNode()
                    node.children.append((scalar, child))
                    node = child
                }
            }
            node.isKey = true
        }
        let rest = namedRule(name + "-other-key-rest", #"char* "\"" space"#)
        func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "\"" || scalar == "\\" || scalar.value < 0x20 || scalar.value == 0x7F
        }
        var counter = 0
        var rulesByBody: [String: String] = [:]
        func rule(for node: TrieNode) -> String {
            var branches: [String] = []
            if !node.isKey { branches.append(#""\"" space"#) }
            let excluded = node.children.map(\.0).filter { !needsEscape($0) }
            let offTrie = #"[^"\\\x7F\x00-\x1F"# + excluded.map(SchemaGBNFSpelling.classMember).joined() + "]"
            branches.append("\(offTrie) \(rest)")
            for (scalar, child) in node.children where !needsEscape(scalar) {
                branches.append("\(SchemaGBNFSpelling.literal(String(scalar))) \(rule(for: child))")
            }
            let body = branches.joined(separator: " | ")
            if let existing = rulesByBody[body] { return existing }
            counter += 1
            let rule = namedRule("\(name)-other-key-\(counter)", body)
            rulesByBody[body] = rule
            return rule
        }
        return "\"\\\"\" " + rule(for: trie)
    }
}

/// RFC 6901 escaping, so pointers in errors stay unambiguous for keys containing "/" or "~".
private func escapePointerToken(_ token: String) -> String {
    token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
}
