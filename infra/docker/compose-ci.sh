#!/usr/bin/env bash
# docker-compose (v1, Debian's 1.29) with docker-compose.ci.yml on top of docker-compose.yml:
#
#   infra/docker/compose-ci.sh [-p project] up -d --build     any docker-compose command and options
#   infra/docker/compose-ci.sh services                       the services that start without a profile
#
# Why a wrapper: the CI override puts every service on the host's network, but docker-compose.yml
# publishes ports, and Compose v1 refuses a service with both ("host" network_mode is incompatible with
# port_bindings) while an override can add ports but never remove them. So the two files are merged
# with `docker-compose config` (which also substitutes the variables), the `ports` of host-network
# services (meaningless there: the server already listens on the host) are dropped, and docker-compose
# runs on that merged file. Run it from the folder holding the compose files. Compose v2 does not need
# it: `docker compose -f docker-compose.yml -f docker-compose.ci.yml up -d --build`.
set -euo pipefail

render() {
  docker-compose -f docker-compose.yml -f docker-compose.ci.yml config |
    python3 -c '
import sys, yaml
doc = yaml.safe_load(sys.stdin)
for s in doc.get("services", {}).values():
    if s.get("network_mode") == "host":
        s.pop("ports", None)
if sys.argv[1] == "services":
    print("\n".join(n for n, s in doc["services"].items() if not s.get("profiles")))
else:
    yaml.safe_dump(doc, sys.stdout, default_flow_style=False, sort_keys=False)
' "$1"
}

if [ "${1:-}" = services ]; then
  render services
  exit
fi
merged=$(mktemp --suffix=.yml)
trap 'rm -f "$merged"' EXIT
render config > "$merged"
docker-compose -f "$merged" --project-directory "$PWD" "$@"
