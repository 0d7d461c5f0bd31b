# PostgreSQL 15 for tests and the CI Compose stack, from Debian's packages. Behaves like the official
# image for what Zixly uses: POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB / POSTGRES_HOST_AUTH_METHOD,
# PGDATA=/var/lib/postgresql/data initialised on first start, `postgres -c …` as the command,
# postgres, pg_isready and psql on the PATH.
ARG BASE=zixly-local/base
FROM ${BASE}
# The package would create and start a "main" cluster; the entrypoint creates the one we want instead.
RUN mkdir -p /etc/postgresql-common/createcluster.d \
 && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/zixly.conf \
 && apt-get update \
 && apt-get install -y postgresql-15 \
 && rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh \
 && mkdir -p "$PGDATA" /var/run/postgresql \
 && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql \
 && chmod 700 "$PGDATA"
ENTRYPOINT ["docker-entrypoint.sh"]
# postgres' fast shutdown, as in the official image.
STOPSIGNAL SIGINT
CMD ["postgres"]
