#!/usr/bin/env bash
# Builds the images the integration tests and the CI Compose stack use, without any image registry:
#
#   zixly-local/base       Debian bookworm (debootstrap --variant=minbase from the machine's apt mirror)
#   zixly-local/node-base  base + this machine's node, npm and extra CAs (BASE_IMAGE of the root Dockerfile)
#   zixly-local/nats       base + Debian's nats-server, as entrypoint
#   zixly-local/postgres   base + Debian's PostgreSQL 15, with an official-image-like entrypoint
#   zixly-local/redis      base + Debian's redis-server and redis-cli
#
# Usage: infra/docker/local-images.sh [--force]      (DOCKER_HOST says which engine)
#
# Each image carries a label `zixly.recipe` (a hash of what it is built from: its Dockerfile, the files
# it copies, the image below it); an image whose recipe did not change is not rebuilt, so a second run
# takes about a second. The debootstrap rootfs is cached as a tarball in $ZIXLY_DOCKER_CACHE (default
# /var/lib/zixly-docker/cache), so even an emptied engine gets its base back in seconds.
# Every build uses `--network host`: no bridge network is needed or created.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${ZIXLY_DOCKER_CACHE:-${ZIXLY_DOCKER_DIR:-/var/lib/zixly-docker}/cache}
suite=bookworm
force=0
[ "${1:-}" = --force ] && force=1

# Debian's own client matches Debian's engine; a newer client on the PATH would ask for buildx.
docker_bin=${DOCKER:-$(command -v /usr/bin/docker || command -v docker)}
export DOCKER_BUILDKIT=0

log() { echo "[local-images] $*" >&2; }
die() { log "$*"; exit 1; }
sha() { sha256sum | cut -c1-16; }

# The Debian mirror apt already uses here (one-line or deb822 sources), so debootstrap needs no new host.
mirror() {
  local m
  m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -oE '(^deb|^URIs:)[[:space:]]+(\[[^]]*\][[:space:]]+)?[a-z]+://[^[:space:]]+' |
    grep -oE '[a-z]+://[^[:space:]]+' | grep -E '/debian/?$' | head -n1 || true)
  echo "${DEBIAN_MIRROR:-${m:-http://deb.debian.org/debian}}"
}

recipe_of() { "$docker_bin" image inspect -f '{{ index .Config.Labels "zixly.recipe" }}' "$1" 2>/dev/null || true; }
image_id() { "$docker_bin" image inspect -f '{{ .Id }}' "$1"; }

ensure_debootstrap() {
  command -v debootstrap > /dev/null && return
  [ "$(id -u)" = 0 ] || die "debootstrap is missing: apt-get install -y debootstrap"
  log "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap > /dev/null
}

# The minbase rootfs as a tarball, built once. Apt inside it: no recommends, no docs, services never
# started by package scripts (policy-rc.d), lists emptied (each image runs apt-get update itself).
rootfs_tarball() {
  local tarball="$cache/$suite-minbase.tar"
  if [ -s "$tarball" ] && [ "$force" = 0 ]; then echo "$tarball"; return; fi
  ensure_debootstrap
  local dir
  dir=$(mktemp -d "$cache/rootfs.XXXXXX")
  log "debootstrap --variant=minbase $suite from $(mirror) (about 30 s, once)"
  debootstrap --variant=minbase "$suite" "$dir" "$(mirror)" > "$cache/debootstrap.log" 2>&1 ||
    { rm -rf "$dir"; die "debootstrap failed, see $cache/debootstrap.log"; }
  printf '#!/bin/sh\nexit 101\n' > "$dir/usr/sbin/policy-rc.d"
  chmod 755 "$dir/usr/sbin/policy-rc.d"
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' > "$dir/etc/apt/apt.conf.d/90zixly"
  printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/info/*\n' \
    > "$dir/etc/dpkg/dpkg.cfg.d/90zixly"
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/tmp/*
  tar --numeric-owner -C "$dir" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  rm -rf "$dir"
  echo "$tarball"
}

build_base() {
  local name=zixly-local/base recipe
  recipe=$(echo "$suite minbase v1" | sha)
  if [ "$force" = 0 ] && [ "$(recipe_of $name)" = "$recipe" ]; then return; fi
  local tarball
  tarball=$(rootfs_tarball)
  log "importing $name"
  "$docker_bin" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' \
    --change "LABEL zixly.recipe=$recipe" \
    "$tarball" "$name" > /dev/null
}

# build <name> <Dockerfile> [files it copies…]: rebuilt when one of them or the base image changed.
build() {
  local name=$1 file=$2 recipe
  shift 2
  recipe=$( (image_id zixly-local/base; cat "$file" "$@") | sha)
  if [ "$force" = 0 ] && [ "$(recipe_of "$name")" = "$recipe" ]; then return; fi
  log "building $name"
  "$docker_bin" build --network host --quiet --label "zixly.recipe=$recipe" -t "$name" -f "$file" "$here/local" > /dev/null
}

command -v "$docker_bin" > /dev/null || die "no docker client found"
"$docker_bin" version --format '{{.Server.Version}}' > /dev/null 2>&1 || die "no Docker engine answers at ${DOCKER_HOST:-the default socket}"
mkdir -p "$cache"
# One build at a time per machine: two test runs starting together share the result.
exec 9> "$cache/.lock"
flock 9

started=$(date +%s)
build_base
build zixly-local/nats "$here/local/nats.Dockerfile"
build zixly-local/postgres "$here/local/postgres.Dockerfile" "$here/local/postgres-entrypoint.sh"
build zixly-local/redis "$here/local/redis.Dockerfile"

# node-base: this machine's node and npm, copied into a context of their own.
node_bin=$(readlink -f "$(command -v node)")
npm_dir=$(readlink -f "$(dirname "$node_bin")/../lib/node_modules/npm")
[ -d "$npm_dir" ] || die "npm not found beside $node_bin"
ca_dir=/usr/local/share/ca-certificates
node_recipe=$( ("$node_bin" --version; cat "$npm_dir/package.json"; image_id zixly-local/base; cat "$here/local/node-base.Dockerfile"; find "$ca_dir" -name '*.crt' -exec cat {} + 2>/dev/null) | sha)
if [ "$force" = 1 ] || [ "$(recipe_of zixly-local/node-base)" != "$node_recipe" ]; then
  ctx=$(mktemp -d "$cache/node-base.XXXXXX")
  cp "$node_bin" "$ctx/node"
  cp -a "$npm_dir" "$ctx/npm"
  mkdir -p "$ctx/ca"
  find "$ca_dir" -name '*.crt' -exec cp {} "$ctx/ca/" \; 2>/dev/null || true
  log "building zixly-local/node-base (node $("$node_bin" --version))"
  "$docker_bin" build --network host --quiet --label "zixly.recipe=$node_recipe" \
    -t zixly-local/node-base -f "$here/local/node-base.Dockerfile" "$ctx" > /dev/null ||
    { rm -rf "$ctx"; die "building zixly-local/node-base failed"; }
  rm -rf "$ctx"
fi
log "images ready in $(($(date +%s) - started)) s: zixly-local/{base,node-base,nats,postgres,redis}"
