# Stands in for node:20-bookworm-slim where no registry is reachable: Debian bookworm with this
# machine's own Node binary and npm (the root Dockerfile builds FROM it with BASE_IMAGE), and the
# certificate authorities this machine adds to Debian's (ca/), so npm reaches the registry from a
# build exactly as it does on the host.
ARG BASE=zixly-local/base
FROM ${BASE}
RUN apt-get update \
 && apt-get install -y ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates > /dev/null
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
CMD ["node"]
