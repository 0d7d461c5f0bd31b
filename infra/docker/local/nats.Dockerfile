# NATS for tests and the CI Compose stack, from Debian's nats-server package (no registry needed).
# Behaves like the official image: nats-server is the entrypoint, flags go in the command.
ARG BASE=zixly-local/base
FROM ${BASE}
RUN apt-get update \
 && apt-get install -y nats-server \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data
WORKDIR /data
ENTRYPOINT ["nats-server"]
CMD ["-js", "-sd", "/data"]
