# One image for every Zixly service: docker build --build-arg SERVICE=<service> .
#   SERVICE = ingest | orchestrator | executor | projector | notifier | sqs-bridge | trading-api | web
# Services run on plain node from an esbuild bundle of their TypeScript (scripts/build-services.mjs,
# as `npm start` runs them: no tsx at run time, ~50 MB less RSS per service); web is built with vite
# and runs as `node web/build`. BASE_IMAGE is the Node 20 image every stage
# starts from (CI passes a locally built one: BASE_IMAGE=zixly-local/node-base).
# Works with the classic builder and BuildKit alike (docker-compose 1.29 uses the classic one).
ARG BASE_IMAGE=node:20-bookworm-slim

# ---- build: pnpm, the workspace's dependencies (dev ones too: tsx runs the services), web's bundle ----
FROM ${BASE_IMAGE} AS build
# Names this stage's images (untagged, but the cache of the next build) so image clean-ups can keep them.
LABEL zixly.stage=build
ENV CI=true \
    PNPM_HOME=/pnpm \
    PATH=/pnpm:$PATH
RUN npm i -g pnpm@10.34.9 --no-fund --no-audit --loglevel=error
WORKDIR /app
# The packages, fetched from the lockfile alone into pnpm's virtual store, kept outside /app in /deps:
# this layer is reused until the lockfile changes, and the runtime stage copies /deps in a layer of its
# own that stays cached as long, so a source-only change only links and copies the workspace's files.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch --virtual-store-dir /deps/.pnpm
COPY . .
RUN pnpm install --frozen-lockfile --offline --virtual-store-dir /deps/.pnpm
# SERVICE is declared only here: the classic builder keys every later RUN on the build args it sees, so
# declaring it earlier would give each of the seven images its own fetch and install.
ARG SERVICE
RUN if [ "$SERVICE" = "web" ]; then pnpm --filter @zixly/web build; else node scripts/build-services.mjs "$SERVICE"; fi

# ---- runtime ----
FROM ${BASE_IMAGE} AS runtime
# Root-owned, so read-only for the service user; only /app/.data (local object store) and /tmp are writable.
# Copied before SERVICE is declared, so the services other than web share these layers: the packages
# (cached while the lockfile stays the same), then the workspace's own files.
COPY --from=build /deps /deps
COPY --from=build /app /app
RUN mkdir -p /app/.data && chown 10001:10001 /app/.data
ARG SERVICE
# The port each service listens on (and answers GET /health on); an unknown SERVICE fails the build.
RUN case "$SERVICE" in \
      ingest) port=3000 ;; \
      orchestrator) port=3011 ;; \
      executor) port=3012 ;; \
      projector) port=3013 ;; \
      notifier) port=3014 ;; \
      sqs-bridge) port=3015 ;; \
      trading-api) port=8000 ;; \
      web) port=3001 ;; \
      *) echo "unknown SERVICE '$SERVICE' (build with --build-arg SERVICE=<service>)" >&2; exit 1 ;; \
    esac \
 && mkdir -p /etc/zixly \
 && echo "$port" > /etc/zixly/port
# The local object store (used when OBJECT_STORE_URL is empty) lives in the one writable folder.
ENV NODE_ENV=production \
    SERVICE=${SERVICE} \
    HOST=0.0.0.0 \
    OBJECT_STORE_DIR=/app/.data/objects
WORKDIR /app
USER 10001:10001
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/app/infra/docker/healthcheck.cjs"]
STOPSIGNAL SIGTERM
CMD ["/bin/sh", "-c", "if [ \"$SERVICE\" = web ]; then exec node web/build; else cd \"services/$SERVICE\" && exec node \"/app/.zixly/build/$SERVICE/main.mjs\"; fi"]
