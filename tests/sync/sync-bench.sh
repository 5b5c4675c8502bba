# SPDX-License-Identifier: GPL-2.0-or-later
# The sync's speed against a local PostgreSQL 15 (fsync on, as shipped): the catch-up of one
# booth with 1,000 pending sessions (boothsync --once from its start to its exit: bus, listing,
# photos read and hashed, central transactions of 20 sessions, marks), and four booths
# catching up at once, 250 sessions each, through the same server. Prints the figures.
source "$(dirname "$0")/lib.sh"
sync_init
N=${SYNC_BENCH_SESSIONS:-1000}

pids=()
for n in 1 2 3 4 5; do
  store_make "$n" $((n == 1 ? N : N / 4)) >"$WORK/made$n" &
  pids+=($!)
done
wait "${pids[@]}"
pg_start
pg_schema
for n in 1 2 3 4 5; do
  pg_add_booth "$n" "room $n"
done
bus_template
for n in 1 2 3 4 5; do
  booth_start "$n"
done

# peak_rss CMD...: runs CMD, then prints its peak resident memory in KiB (getrusage).
peak_rss() {
  python3 -c 'import resource, subprocess, sys
rc = subprocess.run(sys.argv[1:]).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)' "$@"
}
lsn0=$(sql_pg "SELECT pg_current_wal_lsn()")
t0=$(date +%s.%N)
rss=$(peak_rss "$BOOTHSYNC" --bus "${BUS_OF[1]}" --state-dir "$WORK/sync1" \
  --config "$(sync_conf 1)" --once 2>>"$WORK/sync1.err" | tee "$WORK/sync1.log" | tail -n 1)
t1=$(date +%s.%N)
expect_whole 1 "$N"
catchup=$(echo "$t1 - $t0" | bc)
rate=$(grep -o 'sent [0-9]* sessions in [0-9.]* s ([0-9.]* sessions/s)' "$WORK/sync1.log" | tail -n 1)
wal=$(sql_pg "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$lsn0')")
photo_bytes=$(sql_pg "SELECT sum(bytes) FROM booth.photos WHERE booth_id = 'room-1'")
echo "# one booth, $N pending: caught up in $catchup s ($rate); boothsync's peak RSS $rss KiB"
echo "# WAL written: $((wal / N)) bytes per session for $((photo_bytes / N)) bytes of photos"

t0=$(date +%s.%N)
pids=()
for n in 2 3 4 5; do
  sync_once "$n" &
  pids+=($!)
done
wait "${pids[@]}"
t1=$(date +%s.%N)
for n in 2 3 4 5; do
  expect_whole "$n" $((N / 4))
done
four=$(echo "$t1 - $t0" | bc)
echo "# four booths at once, $((N / 4)) pending each: caught up in $four s ($(echo "scale=1; $N / $four" | bc) sessions/s together)"
echo "# central size: $(sql_pg "SELECT pg_size_pretty(pg_database_size('booths'))") for $((N * 2)) sessions, $(sql_pg "SELECT pg_size_pretty(sum(bytes)) FROM booth.photos") of photos"
