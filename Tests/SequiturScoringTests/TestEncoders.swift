import SequiturCore
import SequiturScoring
import SequiturTesting

/// A greedy longest-match encoder over a fixed list of pieces (token id = index in the list): enough to show
/// BPE-like merges across a context/continuation boundary.
struct GreedyPieceEncoder: TextEncoder {
    let pieces: [String]

    struct UnknownText: Error { let rest: String }

    func encode(_ text: String) throws -> [TokenID] {
        var rest = Substring(text)
        var ids: [TokenID] = []
        while !rest.isEmpty {
            let best = pieces.indices
                .filter { !pieces[$0].isEmpty && rest.unicodeScalars.starts(with: pieces[$0].unicodeScalars) }
                .max { pieces[$0].unicodeScalars.count < pieces[$1].unicodeScalars.count }
            guard let best else { throw UnknownText(rest: String(rest)) }
            ids.append(TokenID(best))
            rest = Substring(rest.unicodeScalars.dropFirst(pieces[best].unicodeScalars.count))
        }
        return ids
    }

    /// The encoder for a `PrefixHashVocabulary`: token texts are the pieces, so encodings are model tokens.
    static func forVocabulary(_ vocabulary: any Vocabulary) -> GreedyPieceEncoder {
        GreedyPieceEncoder(pieces: (0..<vocabulary.count).map { vocabulary.text(of: [TokenID($0)]) })
    }
}
