# syntax=docker/dockerfile:1
# The same release build as `cargo run --release`, in a small image, run as a non-root user.

FROM rust:1-bookworm AS build
WORKDIR /src
# The bundled libpq is built against OpenSSL; the rust image carries its headers and a C compiler.
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
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
ENV PERFEVAL_BIND=0.0.0.0:8080 \
    DATABASE_URL=/data/perfeval.db \
    RUST_LOG=info
VOLUME ["/data"]
EXPOSE 8080
ENTRYPOINT ["perfeval"]
CMD ["serve"]
