# SPDX-License-Identifier: GPL-2.0-or-later
# SIGHUP (systemctl reload) reads the configuration and the profiles again: a good one takes
# effect for what starts from then on (a new session gets the new profile, the session in
# progress keeps its own), keys that need a restart are named in the log; a bad one is refused
# with its file, line and key, and boothd goes on with what it has.
source "$(dirname "$0")/common.sh"
booth_harness_init
mkdir -p "$WORK/profiles" && cp "$BOOTH_SOURCE_ROOT"/etc/profiles/*.profile "$WORK/profiles/"
printf '[Booth]\nprofiles=chsi-upload;chsi-final\nauto_start=false\n[Camera]\nfps=15\n' >"$WORK/boothd.conf"
export BOOTH_CONFIG=$WORK/boothd.conf BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start
booth_daemon_start
expect_exit 0 ctl start --code "$CODE1"
expect_eq "$(ctl --json status | json 'd["Session"]["profile"]')" chsi-upload "the session's profile"

printf '[Booth]\nprofiles=chsi-final;chsi-upload\nauto_start=false\n[Camera]\nfps=5\n' >"$WORK/boothd.conf"
kill -HUP "$BOOTHD_PID"
booth_wait_match "$WORK/boothd.log" "configuration reloaded from $WORK/boothd.conf; these keys changed and take effect when boothd restarts \\(systemctl restart boothd\\): \\[Camera\\] fps"
expect_eq "$(ctl --json status | json 'd["Session"]["profile"]')" chsi-upload "the session in progress keeps its profile"
expect_exit 4 ctl capture
expect_exit 0 ctl commit --override
expect_exit 0 ctl start --code "$CODE2"
expect_eq "$(ctl --json status | json 'd["Session"]["profile"]')" chsi-final "a new session gets the reloaded profile"
expect_match "$(ctl --json status | json 'd["Camera"]["fps"]')" '^15(\.0)?$' "the camera keeps its rate until a restart"
expect_exit 0 ctl cancel

printf '[Booth]\nprofiles=chsi-upload\ncolour=blue\n' >"$WORK/boothd.conf"
kill -HUP "$BOOTHD_PID"
booth_wait_match "$WORK/boothd.log" "reload refused, the configuration in use stays: $WORK/boothd.conf:3: \\[Booth\\] colour: unknown key"
expect_exit 0 ctl start --code "$CODE1"
expect_eq "$(ctl --json status | json 'd["Session"]["profile"]')" chsi-final "the refused reload changed nothing"
expect_exit 0 ctl cancel
printf '[Booth]\nprofiles=passport\n' >"$WORK/boothd.conf"
kill -HUP "$BOOTHD_PID"
booth_wait_match "$WORK/boothd.log" "reload refused, the configuration in use stays: profile 'passport': no passport.profile"
expect_exit 0 ctl status
booth_daemon_stop
