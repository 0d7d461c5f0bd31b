# Redis 7 for tests and the CI Compose stack, from Debian's redis-server package (redis-cli included).
ARG BASE=zixly-local/base
FROM ${BASE}
RUN apt-get update \
 && apt-get install -y redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data
WORKDIR /data
CMD ["redis-server", "--bind", "127.0.0.1", "--protected-mode", "no"]
