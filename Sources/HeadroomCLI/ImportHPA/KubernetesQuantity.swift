import Foundation

/// A Kubernetes resource quantity (`500m`, `1.5`, `512Mi`, `2G`, `1e3`) read as a number.
///
/// The suffixes are the API's: `m` (milli), `k`, `M`, `G`, `T`, `P`, `E` (powers of 1000),
/// `Ki`, `Mi`, `Gi`, `Ti`, `Pi`, `Ei` (powers of 1024), or a decimal exponent `e<n>`/`E<n>`.
struct KubernetesQuantity: Sendable, Equatable {
    /// The quantity in base units: cores for CPU, bytes for memory.
    let value: Double
    /// The text as written in the HPA.
    let text: String

    private static let binarySuffixes: [(String, Double)] = [
        ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776),
        ("Pi", 1_125_899_906_842_624), ("Ei", 1_152_921_504_606_846_976),
    ]
    private static let decimalSuffixes: [(String, Double)] = [
        ("m", 1e-3), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15), ("E", 1e18),
    ]

    /// Parses `text`; returns `nil` when it is not a quantity.
    init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        var number = Substring(trimmed)
        var multiplier = 1.0
        if let (suffix, factor) = Self.binarySuffixes.first(where: { trimmed.hasSuffix($0.0) }) {
            number = number.dropLast(suffix.count)
            multiplier = factor
        } else if let (suffix, factor) = Self.decimalSuffixes.first(where: { trimmed.hasSuffix($0.0) }) {
            number = number.dropLast(suffix.count)
            multiplier = factor
        }
        // The sign, digits, point and exponent of a Kubernetes quantity; Double(_:) alone
        // would also take "inf", "nan" and hexadecimal.
        let allowed = Set("0123456789+-.eE")
        guard !number.isEmpty, number.allSatisfy({ allowed.contains($0) }), let parsed = Double(number),
            parsed.isFinite
        else { return nil }
        self.value = parsed * multiplier
        self.text = trimmed
    }
}
