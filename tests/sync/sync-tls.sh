# SPDX-License-Identifier: GPL-2.0-or-later
# A booth's role reaches the central database only over TLS, and boothsync checks the server
# (sslmode=verify-full): a CA and a server certificate for "localhost" made by openssl, the
# server refusing the role without TLS. With the right CA boothsync ships every session; with
# sslmode=disable, another CA, or a host name the certificate does not name, it ships nothing
# and says why.
source "$(dirname "$0")/lib.sh"
sync_init
command -v openssl >/dev/null || { echo "# openssl is missing: nothing to test"; exit 77; }
SESSIONS=20

mkdir -p "$WORK/tls"
(
  cd "$WORK/tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=booth test CA' \
    -keyout ca.key -out ca.crt
  openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost' -keyout server.key -out server.csr
  printf 'subjectAltName=DNS:localhost\n' >san.ext
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -extfile san.ext -out server.crt
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=someone else' \
    -keyout other.key -out other.crt
) >"$WORK/tls.log" 2>&1 || { cat "$WORK/tls.log" >&2; fail "openssl could not make the certificates"; }
mkdir -p "$WORK/pg"
cp "$WORK/tls/server.crt" "$WORK/tls/server.key" "$WORK/pg/"
chmod 0600 "$WORK/pg/server.key"
((EUID != 0)) || chown nobody:nogroup "$WORK/pg/server.crt" "$WORK/pg/server.key"
export PG_EXTRA_CONF="ssl = on
ssl_cert_file = '$WORK/pg/server.crt'
ssl_key_file = '$WORK/pg/server.key'"
export PG_HBA_FIRST="hostnossl all booth_1 127.0.0.1/32 reject"

expect_eq "$(store_make 1 "$SESSIONS")" "$SESSIONS" "committed sessions made"
pg_start
pg_schema
pg_add_booth 1 '至善楼 101'
bus_template
booth_start 1

# tls_once CONNINFO-TAIL: boothsync --once for booth 1 with these TLS settings.
tls_once() {
  printf '[Sync]\ndatabase=port=%s dbname=booths user=booth_1 password=pw1 %s\n' "$PG_PORT" "$1" \
    >"$WORK/tls.conf"
  "$BOOTHSYNC" --bus "${BUS_OF[1]}" --state-dir "$WORK/sync1" --config "$WORK/tls.conf" --once
}

expect_exit 1 tls_once "host=127.0.0.1 sslmode=disable"
expect_match "$ERR" 'cannot reach the central database: .*no encryption' "without TLS the server refuses the role"
expect_exit 1 tls_once "host=localhost sslmode=verify-full sslrootcert=$WORK/tls/other.crt"
expect_match "$ERR" 'cannot reach the central database: .*certificate verify failed' \
  "a server whose certificate another CA signed is refused"
expect_exit 1 tls_once "host=127.0.0.1 sslmode=verify-full sslrootcert=$WORK/tls/ca.crt"
expect_match "$ERR" 'does not match host name "127.0.0.1"' "a host name the certificate does not name is refused"
expect_eq "$(central_count 1)" 0 "nothing went over those"
expect_exit 0 tls_once "host=localhost sslmode=verify-full sslrootcert=$WORK/tls/ca.crt"
expect_match "$OUT" "$SESSIONS synced, 0 pending" "over verified TLS every session went"
expect_whole 1 "$SESSIONS"
