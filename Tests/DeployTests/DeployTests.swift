import Testing

/// Every deploy check: the rendered manifests, the RBAC derived from the end-to-end audit logs,
/// the alert rules, the dashboard, `import-hpa` and the container image. `make test` runs this
/// target after EndToEndTests, whose runs leave the audit evidence the RBAC check reads.
@Suite struct DeployTests {}
