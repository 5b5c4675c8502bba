# SPDX-License-Identifier: GPL-2.0-or-later
# 600 random option dicts to every method (random-options.py): every call answered, none left
# to the client's timeout, and boothd still serving afterwards. BOOTH_RANDOM_SEED repeats a run.
source "$(dirname "$0")/common.sh"
booth_harness_init
export BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start
booth_daemon_start
booth_wait_state idle
seed=${BOOTH_RANDOM_SEED:-$RANDOM}
out=$(/usr/bin/python3 "$BOOTH_SOURCE_ROOT/tests/integration/random-options.py" "$BUS_ADDR" 600 "$seed") ||
  fail "a call went unanswered (seed $seed): $out"
echo "# $out"
ok "every random call answered"
expect_exit 0 ctl status
booth_daemon_stop
