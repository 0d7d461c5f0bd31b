#!/bin/sh
# Entrypoint of zixly-local/postgres: the part of the official image's docker-entrypoint.sh Zixly
# relies on. As root it fixes ownership and re-runs itself as postgres; as postgres it initialises an
# empty PGDATA (user, password, database, host auth) and then execs the command.
set -eu
case "${1:-postgres}" in -*) set -- postgres "$@" ;; esac
[ $# -eq 0 ] && set -- postgres

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  user=${POSTGRES_USER:-postgres}
  db=${POSTGRES_DB:-$user}
  password=${POSTGRES_PASSWORD:-}
  # Like the official image: no password means trust, which only makes sense on loopback.
  auth=${POSTGRES_HOST_AUTH_METHOD:-$([ -n "$password" ] && echo scram-sha-256 || echo trust)}
  pwfile=$(mktemp)
  printf '%s\n' "$password" > "$pwfile"
  initdb -D "$PGDATA" -U "$user" --pwfile="$pwfile" -E UTF8 --locale=C \
    --auth-local=trust --auth-host="$auth" --no-sync > /dev/null
  rm -f "$pwfile"
  if [ "$db" != postgres ]; then
    echo "CREATE DATABASE \"$db\" OWNER \"$user\"" | postgres --single -D "$PGDATA" postgres > /dev/null
  fi
  echo "zixly-local/postgres: initialised $PGDATA (user $user, database $db, host auth $auth)"
fi

exec "$@"
