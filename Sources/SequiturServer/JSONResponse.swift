import Foundation
import Hummingbird
import Sequitur

/// JSON responses, written by `JSONLineEncoder` so that every log-prob reads back to the exact float the model
/// computed (Foundation's serialiser keeps only 15 significant digits on Linux).
enum JSONResponse {
    static func make(_ object: [String: Any], status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONLineEncoder.encode(object)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ error: APIError) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retry = error.retryAfter { headers[.retryAfter] = String(retry) }
        return Response(status: HTTPResponse.Status(code: error.status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: error.json)))
    }

    /// A log-prob as JSON: the float itself, or OpenAI's floor of -9999 for a token the model rules out
    /// (JSON has no infinity).
    static func logProb(_ x: Float) -> Any { x.isFinite ? x : Float(-9999) }

    static func optionalLogProb(_ x: Float?) -> Any { x.map(logProb) ?? NSNull() }
}
