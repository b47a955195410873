/// A fixed pseudo-random sequence (a 64-bit linear congruential generator), so every run and
/// both measured methods see the same inputs.
struct SeededSequence {
    private var state: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// Returns the next number in [0, 1).
    mutating func nextUnit() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(UInt64(1) << 53)
    }
}
