import SequiturCore
import Testing

/// float16 / bfloat16 conversions are exact, including subnormals, infinities and NaN.
@Suite struct GGUFHalfPrecisionTests {
    @Test func everyHalfSurvivesARoundTrip() {
        for bits in 0...UInt16.max {
            let value = HalfPrecision.floatFromHalf(bits)
            let back = HalfPrecision.halfFromFloat(value)
            if value.isNaN {
                #expect(back & 0x7C00 == 0x7C00 && back & 0x03FF != 0, "NaN \(bits) became \(back)")
            } else if back != bits {
                Issue.record("half 0x\(String(bits, radix: 16)) -> \(value) -> 0x\(String(back, radix: 16))")
                return
            }
        }
    }

    @Test func halfValuesAreTheIEEEValues() {
        #expect(HalfPrecision.floatFromHalf(0x0001) == 0x1p-24)
        #expect(HalfPrecision.floatFromHalf(0x03FF) == Float(0x3FF) * 0x1p-24)
        #expect(HalfPrecision.floatFromHalf(0x0400) == 0x1p-14)
        #expect(HalfPrecision.floatFromHalf(0x7BFF) == 65504)
        #expect(HalfPrecision.floatFromHalf(0x7C00) == .infinity)
        #expect(HalfPrecision.floatFromHalf(0xFC00) == -.infinity)
        #expect(HalfPrecision.floatFromHalf(0x8000).bitPattern == (-0.0 as Float).bitPattern)
        #expect(HalfPrecision.floatFromHalf(0x7E00).isNaN)
    }

    @Test func roundingToHalfIsNearestEven() {
        #expect(HalfPrecision.halfFromFloat(1 + 0x1p-11) == 0x3C00)           // tie, rounds to even (down)
        #expect(HalfPrecision.halfFromFloat(1 + 3 * 0x1p-11) == 0x3C02)       // tie, rounds to even (up)
        #expect(HalfPrecision.halfFromFloat(65519.99) == 0x7BFF)
        #expect(HalfPrecision.halfFromFloat(65520) == 0x7C00)                 // overflows to infinity
        #expect(HalfPrecision.halfFromFloat(0x1p-25) == 0x0000)               // tie with zero, to even
        #expect(HalfPrecision.halfFromFloat(0x1.000002p-25) == 0x0001)
        #expect(HalfPrecision.halfFromFloat(3 * 0x1p-25) == 0x0002)           // tie between 1 and 2 ulps
        #expect(HalfPrecision.halfFromFloat(.nan) == 0x7E00)
    }

    #if (arch(x86_64) && !os(macOS)) || arch(arm64)
    /// Swift's own `Float16` conversion (hardware or compiler-rt) is an independent reference. (`Float16` does
    /// not exist on Intel Macs.)
    @Test func halfConversionAgreesWithFloat16OnRandomFloats() {
        var generator = SplitMix64(seed: 0x5EED)
        for _ in 0..<200_000 {
            // Random bit patterns cover every exponent, including the subnormal and overflow ranges.
            let value = Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()))
            guard !value.isNaN else { continue }
            let expected = Float16(value).bitPattern
            let actual = HalfPrecision.halfFromFloat(value)
            if actual != expected {
                Issue.record("\(value) (0x\(String(value.bitPattern, radix: 16))): 0x\(String(actual, radix: 16)) vs Float16 0x\(String(expected, radix: 16))")
                return
            }
        }
    }
    #endif

    @Test func bfloat16RoundsToNearestEvenAndQuietsNaN() {
        #expect(HalfPrecision.bfloat16FromFloat(1) == 0x3F80)
        #expect(HalfPrecision.bfloat16FromFloat(Float(bitPattern: 0x3F80_8000)) == 0x3F80)   // tie to even
        #expect(HalfPrecision.bfloat16FromFloat(Float(bitPattern: 0x3F81_8000)) == 0x3F82)   // tie to even
        #expect(HalfPrecision.bfloat16FromFloat(Float(bitPattern: 0x7F80_0001)) == 0x7FC0)   // signalling NaN quieted
        #expect(HalfPrecision.bfloat16FromFloat(.greatestFiniteMagnitude) == 0x7F80)
        #expect(HalfPrecision.floatFromBFloat16(0x3F80) == 1)
    }
}

