import MetricsClient
import Testing

struct RawSelectorScannerTests {
    @Test(arguments: [
        ("up", ["up"]),
        ("rate(http_requests_total{job=\"api\"}[5m])", ["http_requests_total{job=\"api\"}"]),
        (
            "histogram_quantile(0.9, sum by (le) (rate(x_bucket{ingress=\"{{name}}\"}[5m])))",
            ["x_bucket{ingress=\"{{name}}\"}"]
        ),
        (
            "sum(rate(a_sum[5m])) by (service) / sum(rate(a_count[5m])) by (service)",
            ["a_sum", "a_count"]
        ),
        ("max_over_time(q{a=\"}\"}[10m:1m] offset 5m)", ["q{a=\"}\"}"]),
        ("{__name__=\"up\", job=\"x\"} > bool 0", ["{__name__=\"up\", job=\"x\"}"]),
        ("a * on(pod) group_left(node) b", ["a", "b"]),
        ("sum without (instance) (c) or vector(0)", ["c"]),
        ("topk(3, d) and e unless f", ["d", "e", "f"]),
        ("g + g", ["g"]),
        ("label_replace(h, \"dst\", \"$1\", \"src\", \"(.*)\") # comment i", ["h"]),
        ("vector(1) + Inf - NaN", []),
        ("k @ start()", ["k"]),
    ])
    func selectors(expression: String, expected: [String]) {
        #expect(RawSelectorScanner.selectors(in: expression) == expected)
    }
}
