import ArgumentParser
import Foundation
import Sequitur

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a model's architecture, hyper-parameters, tensors, quantisation mix and tokenizer.",
        discussion: "Reads only the GGUF header: fast on any size of model. Works for vocabulary-only GGUF files too."
    )

    @OptionGroup var model: ModelOption
    @Flag(help: "Print one JSON object instead of tables.") var json = false
    @Flag(help: "List every tensor (by default the table shows block 0 and the non-block tensors).") var allTensors = false

    func run() throws {
        let summary = try ModelSummary(file: try model.open())
        if json { try printJSON(summary); return }
        var out = ""
        func line(_ s: String = "") { out += s + "\n" }
        line("file          \(summary.path ?? "-") (\(formatBytes(summary.fileBytes)), GGUF v\(summary.ggufVersion))")
        line("name          \(summary.name ?? "-")")
        line("architecture  \(summary.architecture ?? "-")")
        line("runs          \(summary.refusal.map { "no: \($0)" } ?? "yes (every tensor and \(summary.architecture ?? "")-specific key is read)")")
        line("parameters    \(formatCount(summary.parameterCount)) in \(summary.tensorCount) tensors")
        for (i, feature) in summary.features.enumerated() { line("\(i == 0 ? "features" : "        ")      \(feature)") }
        if !summary.hyperparameters.isEmpty {
            line()
            line("hyper-parameters")
            for (key, value) in summary.hyperparameters.sorted(by: { $0.key < $1.key }) {
                line("  \(key.padding(toLength: 36, withPad: " ", startingAt: 0)) \(value)")
            }
        }
        if !summary.quantization.isEmpty {
            line()
            line("quantisation mix")
            for q in summary.quantization {
                line("  \(q.type.padding(toLength: 6, withPad: " ", startingAt: 0)) \(String(q.tensors).leftPad(4)) \(q.tensors == 1 ? "tensor " : "tensors")  \(formatCount(q.parameters).leftPad(8)) params  \(formatBytes(q.bytes).leftPad(9))")
            }
        }
        if !summary.tensors.isEmpty {
            line()
            line("tensors (shape: rows × columns, outermost first)")
            let shown = allTensors ? summary.tensors : summary.tensors.filter { !$0.name.hasPrefix("blk.") || $0.name.hasPrefix("blk.0.") }
            let width = max(24, shown.map(\.name.count).max() ?? 0)
            for t in shown {
                line("  \(t.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(t.type.padding(toLength: 5, withPad: " ", startingAt: 0))  \(t.shape.map(String.init).joined(separator: " × "))")
            }
            if shown.count < summary.tensors.count { line("  … \(summary.tensors.count - shown.count) more in blocks 1+ (--all-tensors lists them)") }
        }
        if let tok = summary.tokenizer {
            line()
            line("tokenizer     \(tok.model ?? "-") (pre-tokenizer \(tok.preTokenizer ?? "-")), \(tok.vocabularySize) tokens, \(tok.mergeCount) merges")
            line("              bos \(tok.bosTokenID.map(String.init) ?? "-"), eos \(tok.eosTokenID.map(String.init) ?? "-"), \(tok.controlTokens.count) control tokens")
            line("chat template \(tok.hasChatTemplate ? "present" : "absent")")
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}

func formatBytes(_ n: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB"]
    var v = Double(n), i = 0
    while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
    return i == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[i])
}

func formatCount(_ n: Int) -> String {
    n >= 1_000_000 ? String(format: "%.1fM", Double(n) / 1e6) : n >= 1000 ? String(format: "%.1fk", Double(n) / 1e3) : String(n)
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
