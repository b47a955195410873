import Foundation

/// Replaces anything in free text that looks like a credential with `REDACTED`, for text that
/// leaves the process: log records, Kubernetes Events and debug output. Error messages quote
/// URLs, headers and response bodies, which may carry a password or a token.
public enum Redaction {
    public static let marker = "REDACTED"

    /// Patterns of credentials and what replaces them: a URL's password (or its user name when it
    /// has no password), an `Authorization`
    /// value of any scheme, a `Bearer` or `Basic` credential, and `key=value`, `key: value` or
    /// JSON `"key":"value"` pairs whose key names a secret, quoted or not.
    private static let patterns: [(NSRegularExpression, String)] = [
        (#"(://[^/\s:@]+:)(?!REDACTED@)[^@\s/]+@"#, "$1\(marker)@"),
        // A user name alone may be a token, as in https://TOKEN@host.
        (#"(://)(?![^/\s@]*:)(?!REDACTED@)[^/\s@]+@"#, "$1\(marker)@"),
        (#"(?i)\b(authorization\s*[=:]\s*)([A-Za-z][A-Za-z0-9._-]*\s+)?(?!REDACTED\b)[^\s,;"']+"#, "$1$2\(marker)"),
        (#"(?i)\b(Bearer|Basic)\s+(?!REDACTED\b)[A-Za-z0-9._~+/=-]+"#, "$1 \(marker)"),
        (
            #"(?i)\b([A-Za-z_-]*(?:token|password|passwd|secret|api[_-]?key|credential)s?)(["']?\s*[=:]\s*["']?)"#
                + #"(?!REDACTED\b)[^\s,;&"']+"#,
            "$1$2\(marker)"
        ),
    ].map { pattern, template in
        // The patterns are constants, so a failure here is a programming error the tests find.
        (try! NSRegularExpression(pattern: pattern), template)
    }

    /// Returns `text` with every credential pattern replaced.
    public static func redact(_ text: String) -> String {
        var result = text
        for (expression, template) in patterns {
            let range = NSRange(result.startIndex..., in: result)
            result = expression.stringByReplacingMatches(in: result, range: range, withTemplate: template)
        }
        return result
    }
}
