# SPDX-License-Identifier: GPL-2.0-or-later
# The owner leaves the bus: the session and its candidate wait for adoption; another client
# adopts and commits. A second owner leaves and nobody adopts: after abandon_timeout the
# session is recorded as abandoned and its candidate of every profile is kept in abandoned/.
source "$(dirname "$0")/common.sh"
booth_harness_init
export BOOTH_FRAMES=$FRAMES/no-code.playlist
sed 's/^abandon_timeout=.*/abandon_timeout=3/' "$BOOTH_SOURCE_ROOT/etc/boothd.conf" >"$WORK/boothd.conf"
mkdir -p "$WORK/profiles" && cp "$BOOTH_SOURCE_ROOT"/etc/profiles/*.profile "$WORK/profiles/"
export BOOTH_CONFIG=$WORK/boothd.conf
booth_bus_start
booth_daemon_start

owner() { "$BOOTH_SOURCE_ROOT/tests/integration/owner.py" "$BUS_ADDR"; }
out=$(printf 'start %s\ncapture\nexit\n' "$CODE1" | owner)
expect_match "$out" '^ok [0-9]{8}T' "front-end started a session"
expect_match "$out" '^ok /.*/candidates/' "front-end captured"
session=$(head -n 1 <<<"$out" | cut -d' ' -f2)
booth_wait_state reviewing
expect_match "$(booth_prop Session)" '"owner_present" b false' "owner gone"
expect_match "$(booth_prop Session)" '"has_candidate" b true' "candidate kept"
expect_no_match "$(booth_prop Session)" '"abandon_at" x 0$' "abandon_at set"
expect_fail_with NotOwner ctl commit
expect_match "$ERR" "waits for adoption" "NotOwner says how to continue"
expect_fail_with NotOwner gcall Commit "{}"

# Adoption by another client (detached: boothctl's calls come from new connections).
expect_exit 0 ctl start --adopt
expect_eq "$OUT" "$session" "adopt returns the same session"
expect_match "$(booth_prop Session)" '"abandon_at" x 0' "abandon timer stopped"
expect_exit 0 ctl --json commit --override
expect_eq "$(json 'd["session_id"], d["status"]' <<<"$OUT")" "[\"$session\", \"committed\"]" "adopted session committed"

# Nobody adopts the next one.
out=$(printf 'start %s\ncapture\nexit\n' "$CODE2" | owner)
second=$(head -n 1 <<<"$out" | cut -d' ' -f2)
booth_wait_state reviewing
booth_wait_state idle 15
expect_eq "$(sql "select status from sessions where id = '$second'")" abandoned "record status"
expect_eq "$(booth_files abandoned)" 2 "both profiles' candidates kept in abandoned/"
expect_eq "$(booth_files candidates)" 0 "none left in candidates/"
for profile in chsi-upload chsi-final; do
  row=$(sql "select path, sha256 from files where session_id = '$second' and profile = 'candidate/$profile'")
  expect_eq "${row%|*}" "abandoned/${second}_$profile.jpg" "abandoned $profile candidate recorded"
  expect_eq "$(sha256sum <"$WORK/state/${row%|*}" | cut -d' ' -f1)" "${row#*|}" \
    "abandoned $profile candidate matches its record"
done
expect_match "$(booth_prop Stats)" '"abandoned" t 1' "Stats abandoned"
booth_daemon_stop
