import Foundation
import Testing

/// `docs/architecture.md` draws the module graph; this keeps it honest. Package.swift is read the way
/// `scripts/module-graph` reads it: every non-test target, and an edge to each target or product it depends on.
@Suite struct ArchitectureDocTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// (target, dependency) pairs, plus each target with no dependencies as (target, nil).
    static func packageEdges() throws -> Set<Edge> {
        let package = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        var edges = Set<Edge>()
        let target = try Regex(#"\.(target|executableTarget|plugin|systemLibrary)\(\s*name:\s*"(\w+)""#)
        for match in package.matches(of: target) {
            let name = String(package[match.output[2].range!])
            let body = balanced(package, from: match.output[1].range!.upperBound, open: "(", close: ")")
            var deps: [String] = []
            if let list = body.firstRange(of: try Regex(#"dependencies:\s*\["#)) {
                let listed = balanced(body, from: body.index(before: list.upperBound), open: "[", close: "]")
                for d in listed.matches(of: try Regex(#"\.product\(name:\s*"(\w+)"[^)]*\)|"(\w+)""#)) {
                    if let r = d.output[1].range ?? d.output[2].range { deps.append(String(listed[r])) }
                }
            }
            if deps.isEmpty { edges.insert(Edge(from: name, to: nil)) }
            for d in deps { edges.insert(Edge(from: name, to: d)) }
        }
        return edges
    }

    /// The edges of the Mermaid block between the document's module-graph markers.
    static func documentEdges(_ doc: String) throws -> Set<Edge> {
        let start = try #require(doc.range(of: "<!-- module-graph:start -->"))
        let end = try #require(doc.range(of: "<!-- module-graph:end -->"))
        var edges = Set<Edge>()
        for line in doc[start.upperBound..<end.lowerBound].split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if parts.count == 3, parts[1] == "-->" { edges.insert(Edge(from: parts[0], to: parts[2])) }
            if parts.count == 1, !parts[0].hasPrefix("```"), parts[0] != "graph" { edges.insert(Edge(from: parts[0], to: nil)) }
        }
        return edges
    }

    struct Edge: Hashable, CustomStringConvertible {
        let from: String
        let to: String?
        var description: String { to.map { "\(from) --> \($0)" } ?? from }
    }

    /// The text between the bracket at `from` and its match.
    static func balanced(_ text: Substring, from: String.Index, open: Character, close: Character) -> Substring {
        var depth = 0
        var i = from
        while i < text.endIndex {
            if text[i] == open { depth += 1 }
            if text[i] == close {
                depth -= 1
                if depth == 0 { return text[text.index(after: from)..<i] }
            }
            i = text.index(after: i)
        }
        return text[from...]
    }

    static func balanced(_ text: String, from: String.Index, open: Character, close: Character) -> Substring {
        balanced(text[...], from: from, open: open, close: close)
    }

    @Test func moduleGraphMatchesPackageSwift() throws {
        let doc = try String(contentsOf: Self.root.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        let package = try Self.packageEdges()
        let documented = try Self.documentEdges(doc)
        #expect(package.count >= 30, "Package.swift was not read: \(package)")
        let missing = package.subtracting(documented).map(\.description).sorted()
        let extra = documented.subtracting(package).map(\.description).sorted()
        #expect(missing.isEmpty && extra.isEmpty,
                "docs/architecture.md is out of date (run scripts/module-graph --write): missing \(missing), extra \(extra)")
    }

    @Test func everyModuleHasAPurposeInTheTable() throws {
        let doc = try String(contentsOf: Self.root.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        let external: Set<String> = ["Yams", "Collections", "ArgumentParser"]
        for module in Set(try Self.packageEdges().map(\.from)).subtracting(external).sorted() {
            #expect(doc.contains("`\(module)`"), "docs/architecture.md does not describe \(module)")
        }
    }
}
