# Build and test entry points. `make test` installs missing Debian packages first.

SWIFT ?= swift
TEST_TARGETS := YAMLTests ObservabilityTests FleetModelTests HTTPTransportTests MetricsClientTests KubeClientTests AutoscalerTests SimulatorTests FleetTestbedTests HeadroomCLITests EndToEndTests

.PHONY: packages build test test-target lint format demo bench

packages:
	./scripts/install-packages

build: packages
	$(SWIFT) build

# Builds everything once, then runs each test target in turn and prints how long it took.
test: packages
	$(SWIFT) build --build-tests
	@./scripts/run-tests $(TEST_TARGETS)

# A scripted scale-up against a real Prometheus and the API test server, on loopback.
demo: packages
	$(SWIFT) build
	./scripts/demo

# One cycle over 100 targets with four signals each; prints queries, wall and CPU time.
bench: packages
	$(SWIFT) build
	./scripts/bench-cycle 100

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

format:
	$(SWIFT) format format --in-place --recursive Sources Tests Package.swift
