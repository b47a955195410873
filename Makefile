# Build and test entry points. `make test` installs missing Debian packages first.

SWIFT ?= swift
TEST_TARGETS := YAMLTests ObservabilityTests FleetModelTests HTTPTransportTests MetricsClientTests KubeClientTests AutoscalerTests SimulatorTests FleetTestbedTests LoadGeneratorTests RealStackTests FleetAppTests HeadroomCLITests EndToEndTests DeployTests ProvingGroundTests

.PHONY: packages build test test-target lint format demo demo-real bench

packages:
	./scripts/install-packages

build: packages
	$(SWIFT) build

# Builds everything once, then runs each test target in turn and prints how long it took.
test: packages
	$(SWIFT) build --build-tests
	@./scripts/run-tests $(TEST_TARGETS)

# Replays the WorldCup98 flash crowd through headroom-testbed, a real Prometheus and
# headroom run, on loopback; writes demo-report/.
demo: packages
	$(SWIFT) build
	./scripts/demo

# The proving ground on real PostgreSQL, HAProxy, Prometheus and fleet-app processes: three
# scenarios, each under Headroom's policy and the HPA's defaults; writes proving-ground-report/.
demo-real: packages
	$(SWIFT) build
	./scripts/demo-real

# Engine against the HPA formula, one cycle over 1000 targets against Prometheus and curl, and
# the simulator's scenario tables when present; a few minutes, not part of CI.
bench: packages
	$(SWIFT) build
	./scripts/bench

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

format:
	$(SWIFT) format format --in-place --recursive Sources Tests Package.swift
