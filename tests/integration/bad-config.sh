# SPDX-License-Identifier: GPL-2.0-or-later
# A configuration with errors, or a state folder that cannot be written, stops boothd at
# start-up with a message naming the file, line and key (or the folder); never a crash, and
# never a hang: a FIFO or a device given as the configuration or a profile is refused at once,
# as are files over the size limit and keys set twice.
source "$(dirname "$0")/common.sh"
booth_harness_init
booth_bus_start
mkdir -p "$WORK/profiles" && cp "$BOOTH_SOURCE_ROOT"/etc/profiles/*.profile "$WORK/profiles/"

start_fails() { # EXPECTED_EXIT REGEX ARGS...
  local want=$1 regex=$2
  shift 2
  # timeout: a refusal comes at once; boothd blocked on a FIFO or reading /dev/zero fails
  # here with status 124 instead of holding the test.
  expect_exit "$want" timeout 5 "$BOOTHD" --bus "$BUS_ADDR" --camera "file:$FRAMES/no-code.playlist" "$@"
  expect_match "$ERR" "$regex" "boothd's message"
}

printf '[Booth]\nauto_start=true\ncolour=blue\n' >"$WORK/boothd.conf"
start_fails 1 "boothd: $WORK/boothd.conf:3: \\[Booth\\] colour: unknown key" --config "$WORK/boothd.conf" --state-dir "$WORK/s1"
printf '[Camera]\nfps=lots\n' >"$WORK/boothd.conf"
start_fails 1 ":2: \\[Camera\\] fps: 'lots' is not a number" --config "$WORK/boothd.conf" --state-dir "$WORK/s1"
printf '[Booth]\nprofiles=chsi-upload;passport\n' >"$WORK/boothd.conf"
start_fails 1 "profile 'passport': no passport.profile in $WORK/profiles, .*/etc/profiles \\(profiles= in \\[Booth\\] names them" --config "$WORK/boothd.conf" --state-dir "$WORK/s1"
printf '[Profile]\nwidth=480\nheight=640\nmax_kb=200\nmirror=true\n' >"$WORK/profiles/chsi-upload.profile"
printf '[Booth]\n' >"$WORK/boothd.conf"
start_fails 1 "chsi-upload.profile:5: \\[Profile\\] mirror: unknown key" --config "$WORK/boothd.conf" --state-dir "$WORK/s1"
start_fails 1 "^boothd: $WORK/none.conf: cannot open the file \\(No such file or directory\\)$" --config "$WORK/none.conf"

# Files that are not configurations: devices that never end, a FIFO nobody writes to, and a
# regular file far larger than any configuration (a real one padded with comments).
start_fails 1 "^boothd: /dev/zero: is a character device, not a regular file$" --config /dev/zero
start_fails 1 "^boothd: /dev/urandom: is a character device, not a regular file$" --config /dev/urandom
mkfifo "$WORK/fifo.conf"
start_fails 1 "^boothd: $WORK/fifo.conf: is a FIFO, not a regular file$" --config "$WORK/fifo.conf"
pad() { # FILE SIZE: FILE followed by comment lines, cut to SIZE bytes
  cat "$1"
  printf '# padding\n%.0s' $(seq $(($2 / 10)))
}
pad "$BOOTH_SOURCE_ROOT/etc/boothd.conf" 307200 >"$WORK/big.conf" && truncate -s 307200 "$WORK/big.conf"
start_fails 1 "^boothd: $WORK/big.conf: the file is 300 KiB \\(307200 bytes\\); a configuration file may be at most 256 KiB \\(262144 bytes\\)$" --config "$WORK/big.conf"
# A key set twice, even in a group named twice: GKeyFile would keep the last without a word.
printf '[Camera]\nfps=15\ncapture_timeout=5\n\n[Booth]\nauto_start=true\n[Camera]\n  fps = 30\n' >"$WORK/boothd.conf"
start_fails 1 "^boothd: $WORK/boothd.conf:8: \\[Camera\\] fps: set again \\(first at line 2\\); keep one of the two$" --config "$WORK/boothd.conf" --state-dir "$WORK/s1"

# The same for a profile: a FIFO, a link to /dev/zero, too large, a key set twice.
printf '[Booth]\n' >"$WORK/boothd.conf"
upload=$WORK/profiles/chsi-upload.profile
rm -f "$upload" && mkfifo "$upload"
start_fails 1 "^boothd: profile 'chsi-upload': $upload: is a FIFO, not a regular file$" --config "$WORK/boothd.conf" --state-dir "$WORK/s1"
rm -f "$upload" && ln -s /dev/zero "$upload"
start_fails 1 "^boothd: profile 'chsi-upload': $upload: is a character device, not a regular file$" --config "$WORK/boothd.conf" --state-dir "$WORK/s1"
rm -f "$upload"
pad "$BOOTH_SOURCE_ROOT/etc/profiles/chsi-upload.profile" 262145 >"$upload" && truncate -s 262145 "$upload"
start_fails 1 "^boothd: profile 'chsi-upload': $upload: the file is 256.0 KiB \\(262145 bytes\\); a profile may be at most 256 KiB \\(262144 bytes\\)$" --config "$WORK/boothd.conf" --state-dir "$WORK/s1"
printf '[Profile]\nwidth=480\nheight=640\nmax_kb=200\n[Checks]\nluma_min=90\nluma_min=80\n' >"$upload"
start_fails 1 "^boothd: profile 'chsi-upload': $upload:7: \\[Checks\\] luma_min: set again \\(first at line 6\\); keep one of the two$" --config "$WORK/boothd.conf" --state-dir "$WORK/s1"

# The state folder: under a regular file (fails for root too), and read-only for a user.
touch "$WORK/plainfile"
start_fails 1 "state folder $WORK/plainfile/state: Not a directory" --config "$BOOTH_SOURCE_ROOT/etc/boothd.conf" --state-dir "$WORK/plainfile/state"
if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null; then
  # The user reads the configuration and its profiles before it gets to the folder: copies in
  # $WORK, since the source tree may lie under a folder only its owner may enter.
  mkdir -p "$WORK/user/profiles" "$WORK/ro" && chmod 0555 "$WORK/ro" && chmod o+rx "$WORK"
  cp "$BOOTH_SOURCE_ROOT/etc/boothd.conf" "$WORK/user/"
  cp "$BOOTH_SOURCE_ROOT"/etc/profiles/*.profile "$WORK/user/profiles/"
  chmod -R o+rX "$WORK/user"
  expect_exit 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$BOOTHD" --bus "$BUS_ADDR" \
    --config "$WORK/user/boothd.conf" --camera "file:$WORK/user/none" --state-dir "$WORK/ro"
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
