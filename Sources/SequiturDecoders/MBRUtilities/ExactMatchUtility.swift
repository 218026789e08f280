/// 1 when the two outputs have the same text, else 0. On text rather than ids so that two tokenisations of
/// one string count as the same output. Under this utility MBR picks the most frequent pseudo-reference
/// among the candidates (the Monte-Carlo mode).
public struct ExactMatchUtility: MBRUtility {
    public let name = "exact"
    public let summary = "1 when the texts are equal, else 0 (MBR picks the most frequent sample)"

    public init() {}

    public func utility(_ hypothesis: MBRSequence, _ reference: MBRSequence) -> Double {
        hypothesis.text == reference.text ? 1 : 0
    }
}
