/// A causal language model, as decoders and scorers see it.
///
/// The model gives, for every prefix `t_0..t_i`, the next-token distribution `Pr(t_{i+1} | t_0..t_i)`. By the
/// chain rule the probability of a whole sequence is the product of these factors:
///
///     log Pr(t_0..t_n) = Σ_i log Pr(t_i | t_<i)
///
/// each factor a log-softmax over the vocabulary, never a raw logit. Decoders and scorers are written against
/// this protocol alone; one batched call extends many states at once, each by any number of tokens (a prefill
/// and single-token decode steps mixed in one batch), and returns only the log-prob data asked for:
///
/// ```swift
/// let state = model.makeState()
/// let r = try model.extend([ExtensionRequest(state: state, tokens: prompt)])[0]
/// let next = r.last!.argmax        // greedy: Pr(· | prompt) is maximal here
/// ```
public protocol LanguageModel: AnyObject {
    var vocabulary: any Vocabulary { get }
    /// The longest sequence the model accepts (its trained context length).
    var contextLength: Int { get }
    /// An empty sequence. (Models that prepend a BOS token leave that to the tokenizer: a state holds exactly
    /// the tokens it was given.)
    func makeState() -> SequenceState
    /// Appends each request's tokens to its state and answers its queries. Requests must name distinct states.
    /// Results are bitwise identical whatever else is in the batch. Every returned log-prob is finite or `-inf`
    /// (a token the model rules out); a model whose computation overflows throws rather than return NaN.
    func extend(_ requests: [ExtensionRequest]) throws -> [ExtensionResult]
    /// Tokens processed by forward passes since the model was made (prefill and decode alike). Tests use it to
    /// prove that forks and cached histories are not recomputed.
    var processedTokenCount: Int { get }
}

/// Errors a language model raises for bad input, with the numbers that make them actionable.
public enum LanguageModelError: Error, CustomStringConvertible, Equatable {
    case tokenOutOfRange(token: TokenID, vocabularySize: Int)
    case contextOverflow(length: Int, contextLength: Int)
    case foreignState
    case duplicateState(index: Int)
    /// The forward pass produced NaN or an infinity: `stage` says where it first appeared ("layer 3
    /// (feed-forward)", "the output head"), for the token at `position` of request `request` of the batch.
    case nonFiniteActivations(stage: String, request: Int, position: Int)
    /// A weight holds NaN or an infinity (found when the model is loaded).
    case nonFiniteWeight(NonFiniteWeight)

    public var description: String {
        switch self {
        case let .tokenOutOfRange(token, size):
            return "token id \(token) is out of range: the vocabulary has \(size) tokens (ids 0..<\(size))"
        case let .contextOverflow(length, contextLength):
            return "sequence of \(length) tokens is longer than the model's context length of \(contextLength)"
        case .foreignState:
            return "a sequence state made by another model was passed to extend"
        case let .duplicateState(index):
            return "request \(index) extends a state that an earlier request in the same batch also extends"
        case let .nonFiniteActivations(stage, request, position):
            return "the model produced non-finite values (NaN or infinity) in \(stage) at position \(position) of request \(request): its weights or hyper-parameters are corrupt, or overflow float32"
        case let .nonFiniteWeight(weight):
            return weight.description
        }
    }
}
