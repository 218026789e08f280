import Foundation
import SequiturCore
import SequiturGGUF
import SequiturTokenizer
import SequiturJinja
import SequiturArchitectures

/// A plain llama forward pass for tests: float64 math straight from the dequantised GGUF weights, no KV cache,
/// no batching, every position recomputed from scratch. Slow and obviously correct; `LlamaModel` on any
/// backend must agree with it.
struct LlamaReferenceForward {
    let hp: LlamaHyperparameters
    private let weights: [String: [Double]]

    init(file: GGUFFile) throws {
        hp = try LlamaHyperparameters(file: file)
        var w: [String: [Double]] = [:]
        for info in file.tensors { w[info.name] = try file.dequantize(info).map(Double.init) }
        weights = w
    }

    private func tensor(_ name: String) -> [Double] {
        guard let t = weights[name] else { preconditionFailure("reference model lacks \(name)") }
        return t
    }

    /// `log softmax` of the next-token logits after each prefix `tokens[0...i]`.
    func logProbs(_ tokens: [TokenID]) -> [[Double]] {
        let d = hp.embeddingLength, n = tokens.count
        let embedding = tensor("token_embd.weight")
        var x = tokens.map { Array(embedding[Int($0) * d ..< (Int($0) + 1) * d]) }
        for l in 0..<hp.layerCount {
            let p = "blk.\(l)."
            let h = x.map { rmsNorm($0, tensor(p + "attn_norm.weight")) }
            let q = h.enumerated().map { rope(matvec(tensor(p + "attn_q.weight"), $1), position: $0, heads: hp.headCount) }
            let k = h.enumerated().map { rope(matvec(tensor(p + "attn_k.weight"), $1), position: $0, heads: hp.kvHeadCount) }
            let v = h.map { matvec(tensor(p + "attn_v.weight"), $0) }
            for t in 0..<n {
                let a = attend(query: q[t], keys: k[0...t], values: v[0...t])
                x[t] = zip(x[t], matvec(tensor(p + "attn_output.weight"), a)).map(+)
            }
            for t in 0..<n {
                let hn = rmsNorm(x[t], tensor(p + "ffn_norm.weight"))
                let g = matvec(tensor(p + "ffn_gate.weight"), hn)
                let u = matvec(tensor(p + "ffn_up.weight"), hn)
                let act = zip(g, u).map { g, u in g / (1 + exp(-g)) * u }
                x[t] = zip(x[t], matvec(tensor(p + "ffn_down.weight"), act)).map(+)
            }
        }
        let head = weights["output.weight"] ?? embedding
        return x.map { row in
            let logits = matvec(head, rmsNorm(row, tensor("output_norm.weight")))
            let m = logits.max()!
            let lse = m + log(logits.reduce(0) { $0 + exp($1 - m) })
            return logits.map { $0 - lse }
        }
    }

    private func rmsNorm(_ x: [Double], _ weight: [Double]) -> [Double] {
        let ms = x.reduce(0) { $0 + $1 * $1 } / Double(x.count)
        let s = 1 / (ms + Double(hp.rmsEpsilon)).squareRoot()
        return zip(x, weight).map { $0 * s * $1 }
    }

    /// `W · x` for `W` stored row-major with `x.count` columns.
    private func matvec(_ w: [Double], _ x: [Double]) -> [Double] {
        let k = x.count
        return (0..<(w.count / k)).map { r in
            var s = 0.0
            for i in 0..<k { s += w[r * k + i] * x[i] }
            return s
        }
    }

    /// GGML "normal" RoPE: adjacent pairs (2i, 2i+1) of each head rotate by position · base^(-2i/ropeDim).
    private func rope(_ x: [Double], position: Int, heads: Int) -> [Double] {
        var y = x
        let hd = hp.headDimension, rd = hp.ropeDimension
        for h in 0..<heads {
            for i in 0..<(rd / 2) {
                let theta = Double(position) * pow(Double(hp.ropeBase), -2 * Double(i) / Double(rd))
                let a = x[h * hd + 2 * i], b = x[h * hd + 2 * i + 1]
                y[h * hd + 2 * i] = a * cos(theta) - b * sin(theta)
                y[h * hd + 2 * i + 1] = a * sin(theta) + b * cos(theta)
            }
        }
        return y
    }

    /// Causal grouped-query attention of one query over the given keys and values.
    private func attend(query: [Double], keys: ArraySlice<[Double]>, values: ArraySlice<[Double]>) -> [Double] {
        let hd = hp.headDimension, group = hp.headCount / hp.kvHeadCount
        var out = [Double](repeating: 0, count: hp.embeddingLength)
        for h in 0..<hp.headCount {
            let kv = h / group
            let scores = keys.map { key in
                (0..<hd).reduce(0.0) { $0 + query[h * hd + $1] * key[kv * hd + $1] } / Double(hd).squareRoot()
            }
            let m = scores.max()!
            let e = scores.map { exp($0 - m) }
            let z = e.reduce(0, +)
            for (weight, value) in zip(e, values) {
                for j in 0..<hd { out[h * hd + j] += weight / z * value[kv * hd + j] }
            }
        }
        return out
    }
}
