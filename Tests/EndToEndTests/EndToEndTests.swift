import Testing

/// Every end-to-end suite, run one test at a time: each test starts its own Prometheus,
/// API test server and `headroom` process, and two at once would compete for the CPU that
/// the rate() and sample-age windows assume.
@Suite(.serialized) struct EndToEndTests {}
