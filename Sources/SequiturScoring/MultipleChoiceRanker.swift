import SequiturCore

/// Ranks the choices of a multiple-choice question by their log-probability after a shared context, as
/// lm-evaluation-harness's `multiple_choice` tasks do.
///
/// Each choice is scored as the continuation `delimiter + choice` after `context` (the harness's
/// `target_delimiter`, a space by default), split into tokens by `TextScoringSplitter`. Two predictions are made:
/// - `acc`: the choice with the highest total log-prob;
/// - `acc_norm`: the highest log-prob divided by the choice's length in characters (Unicode scalars, Python's
///   `len(choice)`, without the delimiter), which is how the harness defines `acc_norm`;
/// and, for byte-level comparisons across tokenizers, the highest log-prob per UTF-8 byte of the choice.
///
/// Ties go to the lower choice index (as `numpy.argmax` does), so the ranking is deterministic. All choices go
/// to the scorer in one call, so `SharedPrefixScorer` prefills the context once.
public struct MultipleChoiceRanker {
    public let scorer: any Scorer
    public let splitter: TextScoringSplitter

    public init(scorer: any Scorer, splitter: TextScoringSplitter) {
        self.scorer = scorer
        self.splitter = splitter
    }

    /// Scores every choice and ranks them.
    public func rank(context: String, choices: [String], delimiter: String = " ",
                     model: any LanguageModel) throws -> MultipleChoiceRanking {
        try rank(requests(context: context, choices: choices, delimiter: delimiter), choices: choices, model: model)
    }

    /// The scoring request of each choice (`delimiter + choice` after `context`), split into tokens as
    /// lm-evaluation-harness splits them; a caller can check them before any scoring starts.
    public func requests(context: String, choices: [String], delimiter: String = " ") throws -> [ScoringRequest] {
        try choices.enumerated().map { i, choice in
            try splitter.request(id: "choice \(i)", context: context, continuation: delimiter + choice)
        }
    }

    /// Scores `requests` (one per choice, from `requests(context:choices:delimiter:)`) and ranks them.
    public func rank(_ requests: [ScoringRequest], choices: [String], model: any LanguageModel) throws -> MultipleChoiceRanking {
        precondition(requests.count == choices.count, "one request per choice")
        let results = try scorer.score(requests, model: model)
        let scored = zip(choices, results).map { ScoredChoice(text: $0, result: $1) }
        return MultipleChoiceRanking(choices: scored)
    }
}

/// One scored choice.
public struct ScoredChoice: Sendable, Equatable {
    public var text: String
    /// The scorer's result for `delimiter + text`.
    public var result: ScoringResult
    /// `len(text)` in Python: Unicode scalars, the `acc_norm` denominator.
    public var characterCount: Int
    /// UTF-8 bytes of `text`.
    public var byteCount: Int

    public init(text: String, result: ScoringResult) {
        self.text = text
        self.result = result
        self.characterCount = text.unicodeScalars.count
        self.byteCount = text.utf8.count
    }

    public var logProb: Double { result.logProb }
    /// `logProb / characterCount` (lm-eval's `acc_norm` score).
    public var logProbPerCharacter: Double { Self.perUnit(logProb, characterCount) }
    /// `logProb / byteCount`.
    public var logProbPerByte: Double { Self.perUnit(logProb, byteCount) }

    /// Division as numpy does it for an empty choice: 0/0 is NaN, x/0 is ±inf. (Unlike `numpy.argmax`, the
    /// rankings here never pick a NaN: an empty choice with nothing scored is not a prediction.)
    private static func perUnit(_ value: Double, _ count: Int) -> Double {
        count > 0 ? value / Double(count) : (value == 0 ? .nan : value / 0)
    }
}

/// The choices with their scores and the predictions made from them.
public struct MultipleChoiceRanking: Sendable, Equatable {
    public var choices: [ScoredChoice]

    public init(choices: [ScoredChoice]) { self.choices = choices }

    /// The `acc` prediction: the index of the highest total log-prob (lowest index among ties).
    public var bestByLogProb: Int? { Self.argmax(choices.map(\.logProb)) }
    /// The `acc_norm` prediction: the index of the highest log-prob per character (lowest index among ties).
    public var bestByLogProbPerCharacter: Int? { Self.argmax(choices.map(\.logProbPerCharacter)) }
    /// The index of the highest log-prob per UTF-8 byte (lowest index among ties).
    public var bestByLogProbPerByte: Int? { Self.argmax(choices.map(\.logProbPerByte)) }

    /// Choice indices from best to worst by total log-prob; ties keep the lower index first.
    public var orderByLogProb: [Int] { Self.order(choices.map(\.logProb)) }
    /// Choice indices from best to worst by log-prob per character; ties keep the lower index first.
    public var orderByLogProbPerCharacter: [Int] { Self.order(choices.map(\.logProbPerCharacter)) }

    /// First index of the maximum, NaN never winning (nil when there are no choices or all are NaN).
    static func argmax(_ values: [Double]) -> Int? { order(values).first.flatMap { values[$0].isNaN ? nil : $0 } }

    /// Indices by descending value, lower index first among equal values, NaN last.
    static func order(_ values: [Double]) -> [Int] {
        values.indices.sorted { a, b in
            let (va, vb) = (values[a], values[b])
            if va.isNaN || vb.isNaN { return !va.isNaN && vb.isNaN || (va.isNaN && vb.isNaN && a < b) }
            return va != vb ? va > vb : a < b
        }
    }
}
