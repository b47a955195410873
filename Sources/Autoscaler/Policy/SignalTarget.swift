import Foundation

/// A signal's target with its unit: `250ms`, `0.5s`, `80%`, `512Mi` or a bare count `50`.
public struct SignalTarget: Sendable, Equatable, Codable {
    public let dimension: TargetDimension
    /// The value in the dimension's base unit: seconds, bytes, a fraction (0.8 for 80 %)
    /// or a count.
    public let baseValue: Double
    /// The target as written, without surrounding spaces.
    public let text: String

    public init(dimension: TargetDimension, baseValue: Double, text: String) {
        self.dimension = dimension
        self.baseValue = baseValue
        self.text = text
    }

    /// The target in `unit`, which must measure the same dimension.
    public func value(in unit: ValueUnit) -> Double {
        switch unit {
        case .milliseconds: baseValue * 1000
        case .percent: baseValue * 100
        case .seconds, .bytes, .ratio, .count: baseValue
        }
    }

    /// Parses `text`; throws a message naming the allowed forms when it is not a target.
    public static func parse(_ text: String) throws(SignalTargetError) -> SignalTarget {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let (number, unit) = splitNumber(trimmed)
        guard !number.isEmpty, let value = Double(number) else {
            throw .notANumber
        }
        // Double(_:) returns ±infinity for a decimal number beyond its range.
        guard value.isFinite else { throw value > 0 ? .tooLarge : .notPositive }
        guard let (dimension, scale) = unitTable[unit] else {
            throw .unknownUnit(unit)
        }
        let baseValue = value * scale
        guard baseValue.isFinite else { throw .tooLarge }
        guard baseValue > 0 else { throw .notPositive }
        return SignalTarget(dimension: dimension, baseValue: baseValue, text: trimmed)
    }

    /// Returns true when `text` is a decimal number too large in magnitude for `Double`, such
    /// as `1e400`, as opposed to YAML's `.inf` spelling.
    static func overflowsDouble(_ text: String) -> Bool {
        let allowed = Set("0123456789+-.eE")
        guard text.allSatisfy({ allowed.contains($0) }), let value = Double(text) else { return false }
        return value.isInfinite
    }

    /// Accepted unit suffixes: the dimension and the factor to the base unit.
    static let unitTable: [String: (TargetDimension, Double)] = [
        "": (.count, 1),
        "%": (.fraction, 0.01),
        "us": (.duration, 1e-6),
        "ms": (.duration, 1e-3),
        "s": (.duration, 1),
        "B": (.bytes, 1),
        "kB": (.bytes, 1e3),
        "MB": (.bytes, 1e6),
        "GB": (.bytes, 1e9),
        "Ki": (.bytes, 1024),
        "Mi": (.bytes, 1_048_576),
        "Gi": (.bytes, 1_073_741_824),
        "KiB": (.bytes, 1024),
        "MiB": (.bytes, 1_048_576),
        "GiB": (.bytes, 1_073_741_824),
    ]

    /// Splits a leading decimal number (sign, digits, point, exponent) from the unit after it.
    static func splitNumber(_ text: String) -> (number: String, unit: String) {
        var number = ""
        var rest = Substring(text)
        if let first = rest.first, first == "-" || first == "+" {
            number.append(first)
            rest = rest.dropFirst()
        }
        while let character = rest.first, character.isASCII, character.isNumber || character == "." {
            number.append(character)
            rest = rest.dropFirst()
        }
        if let marker = rest.first, marker == "e" || marker == "E",
            let digit = rest.dropFirst().first, digit.isASCII, digit.isNumber || digit == "-"
        {
            number.append(marker)
            rest = rest.dropFirst()
            while let character = rest.first, character.isASCII, character.isNumber || character == "-" {
                number.append(character)
                rest = rest.dropFirst()
            }
        }
        return (number, String(rest).trimmingCharacters(in: .whitespaces))
    }
}

/// Why a target's text is not a target.
public enum SignalTargetError: Error, Sendable, Equatable {
    case notANumber
    case unknownUnit(String)
    case notPositive
    /// The number, or its value in the base unit, is beyond the range of `Double`.
    case tooLarge
}
