# Starts and stops a throwaway PostgreSQL cluster for the storage tests; sourced by test.sh.
# quell_pg_start exports QUELL_TEST_POSTGRES (a connection string for a superuser on 127.0.0.1) or, when PostgreSQL
# cannot be installed or started, QUELL_TEST_POSTGRES_ERROR with the reason, which the PostgreSQL tests fail with.
# The cluster lives in a mktemp folder and listens on a free loopback port; quell_pg_stop stops it and removes the folder.

quell_pg_fail() {
  export QUELL_TEST_POSTGRES_ERROR="$1"
  unset QUELL_TEST_POSTGRES
  echo "test.sh: $1; the PostgreSQL tests will fail" >&2
  return 1
}

quell_pg_bindir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

quell_pg_start() {
  local bindir
  bindir="$(quell_pg_bindir)"
  if [[ -z "$bindir" || ! -x "$bindir/initdb" ]]; then
    echo "test.sh: installing Debian's postgresql for the storage tests" >&2
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }; then
      quell_pg_fail "could not install PostgreSQL (apt-get install postgresql failed)"
      return 1
    fi
    bindir="$(quell_pg_bindir)"
    [[ -n "$bindir" && -x "$bindir/initdb" ]] || { quell_pg_fail "apt-get installed postgresql but no initdb is under /usr/lib/postgresql/*/bin"; return 1; }
  fi

  QUELL_PG_DIR="$(mktemp -d)"
  QUELL_PG_BINDIR="$bindir"
  QUELL_PG_RUN=()
  if [[ "$(id -u)" -eq 0 ]]; then
    # PostgreSQL refuses to run as root: the cluster belongs to the postgres account the package creates.
    id postgres >/dev/null 2>&1 || { quell_pg_fail "running as root and there is no 'postgres' account to run PostgreSQL as"; return 1; }
    chown postgres "$QUELL_PG_DIR"
    QUELL_PG_RUN=(runuser -u postgres --)
  fi
  chmod 700 "$QUELL_PG_DIR"
  mkdir -p "$QUELL_PG_DIR/sock" && chown --reference="$QUELL_PG_DIR" "$QUELL_PG_DIR/sock"
  if ! "${QUELL_PG_RUN[@]}" "$bindir/initdb" -D "$QUELL_PG_DIR/data" -U postgres --auth=trust -E UTF8 --no-locale >"$QUELL_PG_DIR/initdb.log" 2>&1; then
    quell_pg_fail "initdb failed: $(tail -n 3 "$QUELL_PG_DIR/initdb.log" | tr '\n' ' ')"
    return 1
  fi

  local port attempt
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % 40000))
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      continue
    fi
    if "${QUELL_PG_RUN[@]}" "$bindir/pg_ctl" -D "$QUELL_PG_DIR/data" -l "$QUELL_PG_DIR/server.log" -w -t 60 \
        -o "-p $port -k $QUELL_PG_DIR/sock -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null 2>&1; then
      export QUELL_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
      unset QUELL_TEST_POSTGRES_ERROR
      echo "test.sh: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port for the storage tests" >&2
      return 0
    fi
  done
  quell_pg_fail "PostgreSQL did not start: $(tail -n 3 "$QUELL_PG_DIR/server.log" 2>/dev/null | tr '\n' ' ')"
  return 1
}

quell_pg_stop() {
  if [[ -n "${QUELL_PG_DIR:-}" && -d "$QUELL_PG_DIR" ]]; then
    "${QUELL_PG_RUN[@]}" "$QUELL_PG_BINDIR/pg_ctl" -D "$QUELL_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$QUELL_PG_DIR"
  fi
}
