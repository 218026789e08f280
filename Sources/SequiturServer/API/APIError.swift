import Foundation
import Sequitur

/// An error answered in OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`, with its HTTP status.
/// `param` names the request field at fault (`temperature`, `messages[1].role`), so a client can point at it.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var message: String
    public var type: String
    public var param: String?
    public var code: String?
    /// Seconds a client should wait before retrying (sent as `Retry-After`), for 429 and 503.
    public var retryAfter: Int?

    public init(status: Int, message: String, type: String, param: String? = nil, code: String? = nil,
                retryAfter: Int? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.retryAfter = retryAfter
    }

    public var description: String { "\(status) \(type): \(message)" + (param.map { " (param \($0))" } ?? "") }

    /// 400: the request is wrong; `param` is the field.
    public static func invalid(_ message: String, param: String?, code: String? = nil) -> APIError {
        APIError(status: 400, message: message, type: "invalid_request_error", param: param, code: code)
    }

    public static func unknownField(_ path: String) -> APIError {
        invalid("unknown field '\(path)'", param: path, code: "unknown_field")
    }

    public static func wrongType(_ path: String, expected: String, got: ConfigValue) -> APIError {
        invalid("'\(path)' must be \(expected), not \(got.kindName)", param: path, code: "invalid_type")
    }

    public static let unauthorized = APIError(
        status: 401, message: "missing or wrong API key: send 'Authorization: Bearer <key>'",
        type: "authentication_error", code: "invalid_api_key")

    public static func notFound(_ method: String, _ path: String) -> APIError {
        APIError(status: 404, message: "no route \(method) \(path)", type: "not_found_error", code: "unknown_route")
    }

    public static func modelNotFound(_ name: String, served: String) -> APIError {
        APIError(status: 404, message: "model '\(name)' is not served here; this server serves '\(served)'",
                 type: "invalid_request_error", param: "model", code: "model_not_found")
    }

    public static func bodyTooLarge(limit: Int) -> APIError {
        APIError(status: 413, message: "request body is larger than the limit of \(limit) bytes",
                 type: "invalid_request_error", code: "body_too_large")
    }

    public static func queueFull(capacity: Int) -> APIError {
        APIError(status: 429, message: "the server is busy: \(capacity) requests are already waiting; retry later",
                 type: "rate_limit_error", code: "queue_full", retryAfter: 1)
    }

    public static let shuttingDown = APIError(
        status: 503, message: "the server is shutting down and takes no new requests",
        type: "server_error", code: "shutting_down", retryAfter: 5)

    public static func server(_ message: String) -> APIError {
        APIError(status: 500, message: message, type: "server_error", code: "internal_error")
    }

    /// The response body.
    public var json: Data {
        var error: [String: ConfigValue] = ["message": .string(message), "type": .string(type)]
        error["param"] = param.map(ConfigValue.string) ?? .null
        error["code"] = code.map(ConfigValue.string) ?? .null
        return (try? JSONLineEncoder.encode(ConfigValue.object(["error": .object(error)]))) ?? Data()
    }
}
