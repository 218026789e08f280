import Sequitur
import SequiturTesting

/// Checks that the lookahead decoder honours every rule of a `DecodingRequest` the way the built-in decoders do
/// (the README says an external decoder runs everywhere they do: the command line, chat sessions, JSONL jobs):
/// logit processors, stop strings, `prefixState` and `onToken`. With width 1 lookahead is greedy, so
/// `greedyTwin` must agree with `greedy` token for token under each rule. Any failure ends the run.
func checkRequestRules(lookahead: any Decoder, greedyTwin: any Decoder, greedy: any Decoder) throws {
    let model = PrefixHashLanguageModel(vocabularySize: 20, seed: 3)
    let prompt: [TokenID] = [0, 5, 9, 4, 7]
    let stop = StopConditions(maxNewTokens: 12, stopOnEndToken: false)
    let plain = try lookahead.decode(DecodingRequest(prompt: prompt, stop: stop), model: model)
    guard let plainBest = plain.best, plainBest.tokens.count == 12 else { fail("lookahead: no 12-token output") }

    /// Greedy and the width-1 lookahead must give the same hypothesis for the request (made afresh for each, so
    /// that an `onToken` counter starts from zero).
    func expectTwinsAgree(_ rule: String, _ makeRequest: () -> DecodingRequest) throws {
        let a = try greedyTwin.decode(makeRequest(), model: model).best
        let b = try greedy.decode(makeRequest(), model: model).best
        guard a == b else { fail("\(rule): width-1 lookahead \(String(describing: a)) but greedy \(String(describing: b))") }
    }

    // A logit processor that forbids the token lookahead chose first: it must not appear anywhere.
    let banned = plainBest.tokens[0]
    let banning = DecodingRequest(prompt: prompt, stop: stop, processors: [ForbidToken(token: banned)])
    let steered = try lookahead.decode(banning, model: model).best!
    guard !steered.tokens.contains(banned), steered.tokens.count == 12 else {
        fail("logit processor: token \(banned) was forbidden, got \(steered.tokens)")
    }
    try expectTwinsAgree("logit processor") { banning }
    print("  logit processor: token \(banned) never chosen")

    // A stop string made of the text of two printing output tokens after the first (it spans a token
    // boundary): the output ends with the token that completes it, finish reason .stopString.
    let printing = plainBest.tokens.indices.filter { !model.vocabulary.bytes(of: plainBest.tokens[$0]).isEmpty }
    guard printing.count >= 3 else { fail("lookahead's output prints fewer than 3 tokens") }
    let stopText = model.vocabulary.text(of: Array(plainBest.tokens[printing[1]...printing[2]]))
    var stopping = stop
    stopping.stopStrings = [stopText]
    let stopRequest = DecodingRequest(prompt: prompt, stop: stopping)
    let stopped = try lookahead.decode(stopRequest, model: model).best!
    let stoppedText = model.vocabulary.text(of: stopped.tokens)
    guard stopped.finishReason == .stopString, stoppedText.hasSuffix(stopText),
          !model.vocabulary.text(of: Array(stopped.tokens.dropLast())).contains(stopText) else {
        fail("stop string \"\(stopText)\": got \"\(stoppedText)\" (\(stopped.finishReason))")
    }
    try expectTwinsAgree("stop string") { stopRequest }
    print("  stop string \"\(stopText)\": output \"\(stoppedText)\" ends there")

    // prefixState: the same output from a state already holding the prompt's start, for fewer tokens fed.
    let prefix = model.makeState()
    _ = try model.extend([ExtensionRequest(state: prefix, tokens: Array(prompt.dropLast()), lastQuery: nil)])
    let prefixed = DecodingRequest(prompt: prompt, stop: stop, prefixState: prefix)
    let before = model.processedTokenCount
    let fromPrefix = try lookahead.decode(prefixed, model: model).best
    let withPrefix = model.processedTokenCount - before
    _ = try lookahead.decode(DecodingRequest(prompt: prompt, stop: stop), model: model)
    let withoutPrefix = model.processedTokenCount - before - withPrefix
    guard fromPrefix == plainBest, withPrefix < withoutPrefix else {
        fail("prefixState: \(withPrefix) tokens processed (without: \(withoutPrefix)), same output: \(fromPrefix == plainBest)")
    }
    try expectTwinsAgree("prefixState") { prefixed }
    print("  prefixState: same output, \(withPrefix) tokens processed instead of \(withoutPrefix)")

    // onToken: called once per token with the hypothesis's tokens and log-probs; returning false stops there.
    var streamed: [(TokenID, Float)] = []
    let streaming = DecodingRequest(prompt: prompt, stop: stop, onToken: { streamed.append(($0, $1)); return true })
    let full = try lookahead.decode(streaming, model: model).best!
    guard streamed.map(\.0) == full.tokens, streamed.map(\.1) == full.tokenLogProbs else {
        fail("onToken: streamed \(streamed.map(\.0)) but returned \(full.tokens)")
    }
    /// A request whose `onToken` returns false on its fourth call, counting into `calls`.
    func stoppingAtFourthToken(_ calls: CallCounter = CallCounter()) -> DecodingRequest {
        DecodingRequest(prompt: prompt, stop: stop, onToken: { _, _ in calls.count += 1; return calls.count < 4 })
    }
    let calls = CallCounter()
    let early = try lookahead.decode(stoppingAtFourthToken(calls), model: model).best!
    guard calls.count == 4, early.tokens == Array(full.tokens.prefix(4)), early.finishReason == .interrupted else {
        fail("onToken returning false after 4 tokens: \(calls.count) calls, \(early.tokens.count) tokens (\(early.finishReason))")
    }
    // `shouldStop` (Ctrl-C) is polled before each model call: answering true on the second poll ends the
    // output after its second token, marked as interrupted.
    let polls = CallCounter()
    let interrupted = try lookahead.decode(DecodingRequest(prompt: prompt, stop: stop, shouldStop: { polls.count += 1; return polls.count >= 2 }),
                                       model: model).best!
    guard interrupted.tokens == Array(full.tokens.prefix(2)), interrupted.finishReason == FinishReason.interrupted else {
        fail("shouldStop answering true on its second poll: \(interrupted.tokens.count) tokens (\(interrupted.finishReason))")
    }
    try expectTwinsAgree("onToken") { stoppingAtFourthToken() }
    print("  onToken: \(streamed.count) calls for \(full.tokens.count) tokens; returning false stopped at 4")
}

/// How many times an `onToken` callback ran.
final class CallCounter {
    var count = 0
}

/// A logit processor that forbids one token.
struct ForbidToken: LogitProcessor {
    let token: TokenID
    func process(_ logProbs: inout [Float], history: [TokenID]) { logProbs[Int(token)] = -.infinity }
}
