/// Bounds the reader puts on metadata so that a crafted file cannot make it recurse deeply or allocate
/// gigabytes. Every count is also checked against the bytes left in the file; these limits matter for large
/// files whose size alone would permit huge arrays.
public struct GGUFReadLimits: Sendable, Equatable {
    /// How deep arrays may nest (an array of arrays is depth 2).
    public var maximumArrayDepth: Int
    /// How many array elements all metadata together may hold, nested arrays' elements included. Real
    /// vocabularies have a few hundred thousand entries per array.
    public var maximumMetadataElements: Int

    public init(maximumArrayDepth: Int = 8, maximumMetadataElements: Int = 1 << 26) {
        self.maximumArrayDepth = maximumArrayDepth
        self.maximumMetadataElements = maximumMetadataElements
    }

    public static let `default` = GGUFReadLimits()
}
