import Foundation
import SequiturCore

/// Writes a JSON object on one line with keys sorted and every `Double` in Swift's shortest form that reads
/// back to the same value. `JSONSerialization` keeps only 15 significant digits on Linux, so a log-prob written
/// by it and read back could differ in the last bit from the one computed; scores must round-trip exactly
/// (resumed and sharded runs are compared and concatenated).
public enum JSONLineEncoder {
    public struct UnencodableValue: Error, CustomStringConvertible {
        public let path: String
        public let value: String
        public var description: String { "cannot write \(value) at \(path) as JSON" }
    }

    public static func encode(_ object: [String: Any]) throws -> Data {
        var out = ""
        try write(object, path: "$", to: &out)
        return Data(out.utf8)
    }

    static func write(_ value: Any, path: String, to out: inout String) throws {
        switch value {
        case let b as Bool where !(value is NSNumber) || JSONLFieldReader.isBoolean(value as! NSNumber):
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
            for (i, key) in dictionary.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                string(key, to: &out)
                out += ":"
                try write(dictionary[key]!, path: "\(path).\(key)", to: &out)
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
