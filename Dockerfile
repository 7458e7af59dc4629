# syntax=docker/dockerfile:1
# The same release build as `cargo run --release`, in a small image, run as a non-root user.

FROM rust:1-bookworm AS build
WORKDIR /src
# The bundled libpq is built against OpenSSL; the rust image carries its headers and a C compiler.
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
# The seed report, the example of a report's body in the OpenAPI document.
COPY tests/fixtures/kaifu-2021-government-office/report.json ./tests/fixtures/kaifu-2021-government-office/report.json
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
 && cp target/release/perfeval /usr/local/bin/perfeval

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --create-home perfeval
COPY --from=build /usr/local/bin/perfeval /usr/local/bin/perfeval
USER perfeval
WORKDIR /data
# The SQLite file lives in the volume, so that it outlives the container; PostgreSQL is
# chosen by giving DATABASE_URL=postgres://… instead.
ENV PERFEVAL_BIND=0.0.0.0:8080 \
    DATABASE_URL=/data/perfeval.db \
    RUST_LOG=info
VOLUME ["/data"]
EXPOSE 8080
# The image has no HTTP client, but bash (essential in Debian) opens TCP connections itself:
# /healthz on the port PERFEVAL_BIND names, over loopback. Liveness, not readiness: a database
# outage is answered with 503s and heals by itself, and restarting the process would not help.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PERFEVAL_BIND##*:} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["perfeval"]
CMD ["serve"]
