# Accord: build with the Rust toolchain, run on a slim Debian as a non-root user.
#   docker build -t accord .
#   docker run -p 8080:8080 -v accord-data:/data -e ACCORD_ADMIN_TOKEN=… accord

FROM rust:1-bookworm AS builder
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin accord \
 && cp target/release/accord /usr/local/bin/accord

FROM debian:bookworm-slim
# curl serves the HEALTHCHECK; ca-certificates for future outbound TLS (webhooks);
# tzdata is the zone database `--timezone` reads.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 accord \
 && useradd --system --uid 10001 --gid accord --home-dir /data --shell /usr/sbin/nologin accord \
 && mkdir -p /data && chown accord:accord /data
COPY --from=builder /usr/local/bin/accord /usr/local/bin/accord

ENV ACCORD_DATA=/data \
    ACCORD_LISTEN=0.0.0.0:8080
VOLUME /data
EXPOSE 8080
USER accord

# /readyz: the log is open and the writer runs. No token needed.
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1

# The service stops on SIGTERM (the default stop signal) after in-flight requests.
ENTRYPOINT ["accord"]
CMD ["serve"]
