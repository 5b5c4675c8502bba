# A configuration with errors, or a state folder that cannot be written, stops boothd at
# start-up with a message naming the file, line and key (or the folder); never a crash.
source "$(dirname "$0")/common.sh"
booth_harness_init
booth_bus_start
mkdir -p "$WORK/profiles" && cp "$BOOTH_SOURCE_ROOT"/etc/profiles/*.profile "$WORK/profiles/"

start_fails() { # EXPECTED_EXIT REGEX ARGS...
  local want=$1 regex=$2
  shift 2
  expect_exit "$want" "$BOOTHD" --bus "$BUS_ADDR" --camera "file:$FRAMES/no-code.playlist" "$@"
  expect_match "$ERR" "$regex" "boothd's message"
}

printf '[Booth]\nauto_start=true\ncolour=blue\n' >"$WORK/boothd.conf"
start_fails 1 "boothd: $WORK/boothd.conf:3: \\[Booth\\] colour: unknown key" --config "$WORK/boothd.conf" --state-dir "$WORK/s1"
printf '[Camera]\nfps=lots\n' >"$WORK/boothd.conf"
start_fails 1 ":2: \\[Camera\\] fps: 'lots' is not a number" --config "$WORK/boothd.conf" --state-dir "$WORK/s1"
printf '[Booth]\nprofiles=chsi-upload;passport\n' >"$WORK/boothd.conf"
start_fails 1 "profile 'passport': cannot read .*passport.profile" --config "$WORK/boothd.conf" --state-dir "$WORK/s1"
printf '[Profile]\nwidth=480\nheight=640\nmax_kb=200\nmirror=true\n' >"$WORK/profiles/chsi-upload.profile"
printf '[Booth]\n' >"$WORK/boothd.conf"
start_fails 1 "chsi-upload.profile:5: \\[Profile\\] mirror: unknown key" --config "$WORK/boothd.conf" --state-dir "$WORK/s1"
start_fails 1 "cannot read $WORK/none.conf" --config "$WORK/none.conf"

# The state folder: under a regular file (fails for root too), and read-only for a user.
touch "$WORK/plainfile"
start_fails 1 "state folder $WORK/plainfile/state: Not a directory" --config "$BOOTH_SOURCE_ROOT/etc/boothd.conf" --state-dir "$WORK/plainfile/state"
if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null; then
  mkdir -p "$WORK/ro" && chmod 0555 "$WORK/ro" && chmod o+rx "$WORK"
  expect_exit 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$BOOTHD" --bus "$BUS_ADDR" \
    --config "$BOOTH_SOURCE_ROOT/etc/boothd.conf" --camera "file:$FRAMES/no-code.playlist" --state-dir "$WORK/ro"
  expect_match "$ERR" "state folder $WORK/ro is not writable: Permission denied" "unwritable folder for a user"
fi
expect_exit 2 "$BOOTHD" --no-such-option
expect_exit 2 "$BOOTHD" stray-argument
expect_exit 0 "$BOOTHD" --version
expect_match "$OUT" '^boothd [0-9]+\.[0-9]+' "--version"
# A camera that cannot be opened is not fatal: the booth reports it and keeps serving.
expect_exit 0 true
BOOTH_CONFIG=$BOOTH_SOURCE_ROOT/etc/boothd.conf BOOTH_FRAMES=$WORK/no-such-folder booth_daemon_start
expect_eq "$(booth_state)" error "State without a camera"
expect_match "$(booth_prop Camera)" "does not exist" "Camera says why"
expect_fail_with NoCamera ctl start --code "$CODE1"
expect_match "$ERR" "no camera: file camera: .*does not exist" "NoCamera message"
booth_daemon_stop
