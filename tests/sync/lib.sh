# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# shellcheck disable=SC2034
# What the several-rooms tests share, on top of the integration harness: a real PostgreSQL 15
# (Debian's initdb and pg_ctl) in $WORK/pg, run as an unprivileged user when the test runs as
# root (PostgreSQL refuses root), on a Unix socket and 127.0.0.1; the central schema applied;
# booths, each a store made by the daemon's own commit code (make-store), served by the real
# boothd (no camera) on its own private bus, and shipped by boothsync; a TCP relay in front of
# the server that a test cuts to make the network unreachable.
source "$BOOTH_SOURCE_ROOT/tests/integration/harness.sh"

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PORT=
PG_SOCK=
RELAY_PORT=
RELAY_PID=
declare -A BUS_OF=() BUS_PID_OF=() BOOTHD_OF=() SYNC_PID_OF=()
# A prefix that runs boothd as another user (setpriv ...), and its configuration.
BOOTHD_AS=()
BOOTHD_CONFIG=
SYNC__PIDS=()

sync_init() {
  booth_harness_init
  : "${BOOTHSYNC:?BOOTHSYNC must be the built boothsync}"
  : "${MAKE_STORE:?MAKE_STORE must be the built make-store}"
  [[ -x $PG_BIN/initdb ]] || {
    echo "# $PG_BIN/initdb is missing (Debian's postgresql-15): nothing to test"
    exit 77
  }
  trap 'sync__status=$?; sync__cleanup; (exit $sync__status); booth__cleanup' EXIT
  # The server's user must reach its own folder only: $WORK is traversable, nothing more.
  chmod 0711 "$WORK"
  djpeg -scale 1/2 "$BOOTH_SOURCE_ROOT/tests/data/portraits/test3.jpg" | cjpeg -quality 60 \
    >"$WORK/final.jpg"
}

sync__cleanup() {
  set +e
  trap - ERR
  local pid
  for pid in "${SYNC__PIDS[@]}"; do
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  [[ -n $PG_PORT ]] && pg__ctl stop -m immediate >/dev/null 2>&1
  true
}

sync__track() {
  SYNC__PIDS+=("$1")
}

# as_pg CMD...: runs CMD as the database's user (nobody when we are root).
as_pg() {
  if ((EUID == 0)); then
    setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
  else
    "$@"
  fi
}

pg__ctl() {
  as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/server.log" -w -t 60 "$@"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# pg_start: initdb (first time) and start; PG_PORT, PG_SOCK.
pg_start() {
  if [[ ! -d $WORK/pg/data ]]; then
    mkdir -p "$WORK/pg/sock"
    ((EUID != 0)) || chown -R nobody:nogroup "$WORK/pg"
    as_pg "$PG_BIN/initdb" -D "$WORK/pg/data" -U postgres --auth-local=trust \
      --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$WORK/pg/initdb.log" 2>&1 ||
      { cat "$WORK/pg/initdb.log" >&2; fail "initdb failed"; }
    PG_PORT=$(free_port)
    PG_SOCK=$WORK/pg/sock
    cat >>"$WORK/pg/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
max_connections = 60
shared_buffers = 64MB
log_min_messages = warning
${PG_EXTRA_CONF:-}
CONF
    if [[ -n ${PG_HBA_FIRST:-} ]]; then
      { printf '%s\n' "$PG_HBA_FIRST"; cat "$WORK/pg/data/pg_hba.conf"; } >"$WORK/pg/hba.new"
      cat "$WORK/pg/hba.new" >"$WORK/pg/data/pg_hba.conf"
    fi
  fi
  pg__ctl start >/dev/null || { cat "$WORK/pg/server.log" >&2; fail "PostgreSQL did not start"; }
  echo "# PostgreSQL 15 on 127.0.0.1:$PG_PORT and $PG_SOCK"
}

pg_stop() {
  pg__ctl stop -m "${1:-fast}" >/dev/null
}

# psql_as ROLE SQL: runs SQL as ROLE over the socket (trust); prints rows unaligned, no header.
psql_as() {
  psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U "$1" -d booths -c "$2"
}

sql_pg() {
  psql_as postgres "$1"
}

# pg_schema: the database, the schema (applied twice: the second changes nothing), a collector.
pg_schema() {
  psql -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres \
    -c 'CREATE DATABASE booths' >/dev/null
  local i
  for i in 1 2; do
    psql -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d booths \
      -f "$BOOTH_SOURCE_ROOT/sync/schema.sql" >"$WORK/schema.log" 2>&1 ||
      { cat "$WORK/schema.log" >&2; fail "sync/schema.sql did not apply (run $i)"; }
  done
  sql_pg "CREATE ROLE registrar LOGIN PASSWORD 'collect' IN ROLE booth_collect" >/dev/null
  ok "the schema applies, twice"
}

# pg_add_booth N ROOM: role booth_N (password pwN) registered as booth room-N.
pg_add_booth() {
  sql_pg "CREATE ROLE booth_$1 LOGIN PASSWORD 'pw$1'" >/dev/null
  sql_pg "SELECT booth.add_booth('room-$1', 'booth_$1', '$2')" >/dev/null
}

# relay_start: a TCP relay on RELAY_PORT to the server; relay_stop cuts every connection
# and leaves the port closed (connection refused) until relay_start.
relay_start() {
  [[ -n $RELAY_PORT ]] || RELAY_PORT=$(free_port)
  python3 "$BOOTH_SOURCE_ROOT/tests/sync/relay.py" "$RELAY_PORT" "$PG_PORT" \
    >>"$WORK/relay.log" 2>&1 &
  RELAY_PID=$!
  sync__track "$RELAY_PID"
  local deadline=$((SECONDS + 10))
  until python3 -c "import socket; socket.create_connection(('127.0.0.1', $RELAY_PORT), 1)" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "the relay did not listen within 10 s"
    sleep 0.05
  done
}

relay_stop() {
  kill -KILL "$RELAY_PID" 2>/dev/null || true
  wait "$RELAY_PID" 2>/dev/null || true
}

# conninfo N [PORT]: booth N's connection string, over TCP with its password.
conninfo() {
  echo "host=127.0.0.1 port=${2:-$PG_PORT} dbname=booths user=booth_$1 password=pw$1 sslmode=disable"
}

# store_make N SESSIONS: booth N's state folder $WORK/booth$N with SESSIONS more commits.
# The day the stores' sessions start on, from 08:30 UTC, 25 s apart (the tests run in UTC).
DAY=2026-05-28
DAY_START=1779926400
export TZ=UTC

# The photos: a real portrait (HivisionIDPhotos, 76 KB) for chsi-upload and the same at half
# size and quality 60 (about 16 KB) for chsi-final.
store_make() {
  local upload=$BOOTH_SOURCE_ROOT/tests/data/portraits/test3.jpg
  "$MAKE_STORE" "$WORK/booth$1" "$2" "$upload" "$WORK/final.jpg" --tag "room-$1" \
    --start $((DAY_START + 8 * 3600 + 1800 + $1 * 7)) 2>>"$WORK/make-store$1.log"
}

# booth_start N: a private bus and boothd (no camera) serving $WORK/booth$N.
booth_start() {
  local n=$1 deadline
  mkdir -p "$WORK/bus$n"
  sed -e "s|unix:path=[^<]*|unix:path=$WORK/bus$n/socket|" "$WORK/bus.conf.tmpl" >"$WORK/bus$n/bus.conf"
  : >"$WORK/bus$n/address"
  dbus-daemon --config-file="$WORK/bus$n/bus.conf" --nofork --print-address=3 \
    3>"$WORK/bus$n/address" 2>"$WORK/bus$n/log" &
  BUS_PID_OF[$n]=$!
  sync__track "$!"
  deadline=$((SECONDS + 10))
  while [[ ! -s $WORK/bus$n/address ]]; do
    ((SECONDS < deadline)) || fail "dbus-daemon $n printed no address"
    sleep 0.05
  done
  BUS_OF[$n]=$(head -n 1 "$WORK/bus$n/address")
  "${BOOTHD_AS[@]}" "$BOOTHD" --bus "${BUS_OF[$n]}" --state-dir "$WORK/booth$n" \
    --camera libcamera:none --config "${BOOTHD_CONFIG:-$BOOTH_SOURCE_ROOT/etc/boothd.conf}" \
    >>"$WORK/boothd$n.log" 2>&1 &
  BOOTHD_OF[$n]=$!
  sync__track "$!"
  deadline=$((SECONDS + 20))
  until [[ $(busctl --address="${BUS_OF[$n]}" call org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus NameHasOwner s org.boothd.Booth1 2>/dev/null) == "b true" ]]; do
    booth__alive "${BOOTHD_OF[$n]}" || { cat "$WORK/boothd$n.log" >&2; fail "boothd $n exited"; }
    ((SECONDS < deadline)) || fail "boothd $n did not take its name within 20 s"
    sleep 0.05
  done
}

# bus_template: the private bus configuration each booth's bus copies.
bus_template() {
  cat >"$WORK/bus.conf.tmpl" <<'CONF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=PLACEHOLDER</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
CONF
}

# sync_start N [ARGS...]: boothsync for booth N in the background (SYNC_PID_OF[N]).
# sync_conf N: booth N's boothsync.conf, through the relay when there is one.
sync_conf() {
  printf '[Sync]\ndatabase=%s\ninterval=1\nmax_backoff=2\nio_timeout=10\n' \
    "$(conninfo "$1" "${RELAY_PORT:-$PG_PORT}")" >"$WORK/sync$1.conf"
  echo "$WORK/sync$1.conf"
}

sync_start() {
  local n=$1
  shift
  "$BOOTHSYNC" --bus "${BUS_OF[$n]}" --state-dir "$WORK/sync$n" --config "$(sync_conf "$n")" \
    "$@" >>"$WORK/sync$n.log" 2>&1 &
  SYNC_PID_OF[$n]=$!
  sync__track "$!"
}

# sync_once N [ARGS...]: boothsync --once for booth N; its exit status.
sync_once() {
  local n=$1
  shift
  "$BOOTHSYNC" --bus "${BUS_OF[$n]}" --state-dir "$WORK/sync$n" --config "$(sync_conf "$n")" \
    --once "$@" >>"$WORK/sync$n.log" 2>&1
}

sync_stop() {
  booth__stop_process "${SYNC_PID_OF[$1]}"
}

# central_count N: sessions the central database holds for booth N.
central_count() {
  sql_pg "SELECT count(*) FROM booth.sessions WHERE booth_id = 'room-$1'"
}

# wait_central N COUNT TIMEOUT_S: until the central database holds COUNT sessions of booth N.
wait_central() {
  local deadline=$((SECONDS + $3)) got
  while :; do
    got=$(central_count "$1" 2>/dev/null || echo '?')
    [[ $got == "$2" ]] && return 0
    ((SECONDS < deadline)) || fail "booth $1: the central database holds $got sessions after $3 s, not $2"
    sleep 0.2
  done
}

# verify N: the central rows of booth N against its store, read independently (sqlite3,
# sha256sum): the same committed sessions, none twice, the same codes byte for byte, every
# photo's SHA-256 (computed by the server from its bytes) equal to the local file's, and
# every session marked synced in boothsync's state. Prints "lost duplicated mismatched".
verify() {
  local n=$1 lost dup mism
  export LC_ALL=C
  sqlite3 -batch -noheader "$WORK/booth$n/records.db" \
    "SELECT id || ' ' || lower(hex(code)) FROM sessions WHERE status = 'committed'" |
    sort >"$WORK/local$n.codes"
  sql_pg "SELECT session_id || ' ' || encode(code, 'hex') FROM booth.sessions
    WHERE booth_id = 'room-$n'" | sort >"$WORK/central$n.codes"
  lost=$(comm -23 "$WORK/local$n.codes" "$WORK/central$n.codes" | wc -l)
  dup=$(sql_pg "SELECT (SELECT count(*) FROM booth.sessions WHERE booth_id = 'room-$n')
    - (SELECT count(DISTINCT session_id) FROM booth.sessions WHERE booth_id = 'room-$n')
    + (SELECT count(*) FROM booth.photos WHERE booth_id = 'room-$n')
    - (SELECT count(DISTINCT (session_id, profile)) FROM booth.photos WHERE booth_id = 'room-$n')")
  dup=$((dup + $(comm -13 "$WORK/local$n.codes" "$WORK/central$n.codes" | wc -l)))
  (cd "$WORK/booth$n/photos" && sha256sum -- *.jpg) |
    awk '{print $2 " " $1}' | sort >"$WORK/local$n.sha"
  sql_pg "SELECT file || ' ' || encode(sha256(data), 'hex') FROM booth.photos
    WHERE booth_id = 'room-$n'" | sed 's|^photos/||' | sort >"$WORK/central$n.sha"
  mism=$(comm -3 "$WORK/local$n.sha" "$WORK/central$n.sha" | wc -l)
  unset LC_ALL
  echo "$lost $dup $mism"
}

# expect_whole N SESSIONS: verify N says 0 0 0, with SESSIONS sessions, all marked synced.
expect_whole() {
  local n=$1 r
  r=$(verify "$n")
  expect_eq "$r" "0 0 0" "booth $n: lost, duplicated, SHA-256 mismatches"
  expect_eq "$(central_count "$n")" "$2" "booth $n: sessions in the central database"
  expect_eq "$(sql_pg "SELECT count(*) FROM booth.photos WHERE booth_id = 'room-$n'")" \
    $(($2 * 2)) "booth $n: photos in the central database"
  expect_eq "$(sqlite3 -batch -noheader "$WORK/sync$n/sync.db" 'SELECT count(*) FROM synced')" \
    "$2" "booth $n: sessions marked synced"
}
