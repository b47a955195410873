# Container image for `headroom`, in two stages.
#
# The builder compiles a release binary with the Swift standard library and Foundation linked
# in statically, so the runtime image needs only the C libraries that Headroom loads itself:
# libcurl, libyaml and libmicrohttpd, plus what they pull in. Both stages use Debian 12
# (bookworm), so the runtime packages carry the library versions the binary was linked against.
#
# Docker does not run on the CI machine. `scripts/check-image` runs the builder's
# `swift build` line outside Docker and checks with ldd that every library the binary loads
# comes from a package the runtime stage installs, so keep the build on one `RUN swift build`
# line and the runtime packages on one `apt-get install` line.

# The official Swift image's Debian tags are named `<version>-bookworm`. Keep the version in
# step with the toolchain that CI builds with (`swift --version`).
FROM swift:6.3.1-bookworm AS builder

RUN apt-get update \
    && apt-get install -y --no-install-recommends libcurl4-openssl-dev libyaml-dev libmicrohttpd-dev libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product headroom --static-swift-stdlib
RUN install -D -m 0755 .build/release/headroom /out/headroom

FROM debian:bookworm-slim AS runtime

# libstdc++6 is listed although the base image has it (apt needs it), because the binary
# loads it and should not depend on what the base image happens to keep. tzdata supplies the
# time zones of scheduled floors; ca-certificates lets libcurl verify Prometheus over HTTPS.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libcurl4 libyaml-0-2 libmicrohttpd12 libstdc++6 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/*

# A fixed numeric UID and GID, so that Kubernetes can enforce `runAsNonRoot` without reading
# /etc/passwd; the names exist for tools that look them up.
RUN groupadd --system --gid 65532 headroom \
    && useradd --system --uid 65532 --gid 65532 --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin headroom

COPY --from=builder /out/headroom /usr/local/bin/headroom

USER 65532:65532
ENTRYPOINT ["/usr/local/bin/headroom"]
