import FuzzSupport
import Sequitur

// Fuzzes the readers of grammar constraints (`--grammar`, `--json-schema`, `--regex`): the first input byte picks
// GBNF text (0), a JSON Schema (1) or a regular expression (2); the rest is the text. What parses is compiled to
// the pushdown automaton, which then reads the text's own bytes and computes next-token masks over the tiny
// vocabulary, as a decode would. Errors are expected; crashes, hangs and unbounded allocation are not, and an
// automaton must agree with itself: a token is in a state's mask exactly when its bytes lead somewhere.

let tokenBytes: [[UInt8]] = {
    do {
        let tokenizer = try TinyVocabulary.tokenizer()
        return (0..<tokenizer.count).map { tokenizer.bytes(of: TokenID($0)) }
    } catch { fatalError("tiny vocabulary: \(error)") }
}()

/// Builds the vocabulary and touches each reader once before the first input, so that the module's lazily made
/// globals (character classes, keyword tables) are not counted against an input (see `withoutLeakTracking`).
@_cdecl("LLVMFuzzerInitialize")
public func initializeGrammarFixtures(_ argc: UnsafeMutablePointer<CInt>?,
                                      _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    withoutLeakTracking {
        _ = tokenBytes
        _ = try? GrammarAutomaton(gbnf: #"root ::= [a-z]+ "." | "x"{2,3}"#)
        _ = try? JSONSchemaGrammar.gbnf(schema: #"{"type": "object", "properties": {"a": {"type": "integer"}}}"#)
        _ = try? RegexGrammar.gbnf(regex: #"(\d|\w|\s|.)+[^a]?"#)
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGrammar(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let text = input.payloadText
    let gbnf: String?
    switch input.selector % 3 {
    case 0: gbnf = text
    case 1: gbnf = try? JSONSchemaGrammar.gbnf(schema: text)
    default: gbnf = try? RegexGrammar.gbnf(regex: text)
    }
    guard let gbnf, let automaton = try? GrammarAutomaton(gbnf: gbnf) else { return 0 }
    let masker = TokenMasker(automaton: automaton, tokenBytes: tokenBytes, trimsTrailingWhitespace: input.selector & 4 != 0)
    var state = automaton.initial
    for (step, byte) in input.payload.prefix(64).enumerated() {
        if step % 8 == 0 {
            let mask = masker.allowedTokens(state)
            for t in tokenBytes.indices.prefix(64) where !tokenBytes[t].isEmpty && !masker.trimsTrailingWhitespace {
                let reachable = automaton.advance(state, over: tokenBytes[t]) != GrammarAutomaton.dead
                fuzzCheck(mask.contains(Int32(t)) == reachable, "token \(t) in the mask: \(mask.contains(Int32(t))), its bytes lead somewhere: \(reachable)")
            }
        }
        state = automaton.advance(state, over: [byte])
        if state == GrammarAutomaton.dead { break }
    }
    _ = automaton.isAccepting(state)
    return 0
}
