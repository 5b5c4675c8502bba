# SPDX-License-Identifier: GPL-2.0-or-later
# Bad D-Bus input gets a clear error and changes nothing: wrong argument types, unknown
# option keys, wrong option types, oversized strings, binary codes, codes that look like
# paths.
source "$(dirname "$0")/common.sh"
booth_harness_init
export BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start
booth_daemon_start
booth_wait_state idle

# busctl sends what it is told; the daemon's sd-bus checks the signature.
expect_exit 1 bctl call org.boothd.Booth1 /org/boothd/Booth1 org.boothd.Booth1 StartSession s "just a string"
expect_match "$ERR" "Invalid arguments 's' to call org.boothd.Booth1.StartSession\(\), expecting 'a\{sv\}'" "wrong argument type"
expect_exit 1 bctl call org.boothd.Booth1 /org/boothd/Booth1 org.boothd.Booth1 Retake s extra
expect_match "$ERR" "Invalid arguments" "surplus argument"
expect_fail_with InvalidArgument gcall StartSession "{'colour': <'blue'>}"
expect_match "$OUT$ERR" "StartSession has no option 'colour' \\(known: code, code_bytes" "unknown key named"
expect_fail_with InvalidArgument gcall StartSession "{'code': <42>}"
expect_match "$OUT$ERR" "option 'code' must be of type 's', not 'i'" "wrong type named"
expect_fail_with InvalidArgument gcall StartSession "{'code': <'a'>, 'code_bytes': <b'a'>}"
expect_fail_with InvalidArgument gcall StartSession "{'code': <''>}"
big=$(head -c 5000 /dev/zero | tr '\0' 'Q')
expect_fail_with InvalidArgument gcall StartSession "{'code': <'$big'>}"
expect_match "$OUT$ERR" "5000 bytes long" "oversized code"
expect_fail_with InvalidArgument ctl start --code x --operator "$big"
expect_fail_with InvalidArgument ctl start --code x --profile ../../etc/passwd
expect_match "$ERR" "unknown profile" "unknown profile"
huge=$(head -c 100000 /dev/zero | tr '\0' 'Z')
expect_exit 1 bctl call org.boothd.Booth1 /org/boothd/Booth1 org.boothd.Booth1 \
  StartSession 'a{sv}' 1 code s "$huge"
expect_match "$ERR" "the capture code is 100000 bytes long" "a 100 KB code is refused"
expect_eq "$(booth_state)" idle "state unchanged after bad calls"
expect_eq "$(sql 'select count(*) from sessions')" 0 "no session recorded"
expect_fail_with InvalidArgument gcall StartSession "{'adopt': <'yes'>}"

# Names of multibyte characters, longer than an error message quotes, are cut on a character
# boundary: every call gets its answer, none waits for the client's timeout.
long=x$(printf '\u00e9%.0s' $(seq 40))
expect_fail_with InvalidArgument ctl start --code x --profile "$long"
expect_match "$ERR" "unknown profile 'xé+…'" "the profile name cut after a whole character"
expect_fail_with InvalidArgument gcall StartSession "{'$long': <true>}" --timeout 5
expect_match "$ERR" "StartSession has no option 'xé+…'" "the key cut after a whole character"
expect_fail_with InvalidArgument gcall Commit "{'$long': <1>}" --timeout 5

# A binary code travels in code_bytes and is kept byte for byte.
expect_exit 0 gcall StartSession "{'code_bytes': <[byte 0x00, 0xff, 0x2f, 0x2e, 0x2e, 0x0a]>, 'detach': <true>}"
session=$(ctl --json status | json 'd["Session"]["id"]')
expect_eq "$(ctl --json sessions --limit 1 | json 'd[0]["code_bytes"], "code" in d[0]')" \
  '[[0, 255, 47, 46, 46, 10], false]' "binary code in Session"
expect_exit 4 ctl capture
expect_fail_with InvalidArgument gcall Commit "{'overide': <true>}"
expect_eq "$(booth_state)" reviewing "still reviewing after a bad Commit"
expect_exit 0 ctl --json commit --override
expect_eq "$(json 'd["code_bytes"]' <<<"$OUT")" '[0, 255, 47, 46, 46, 10]' "record code_bytes"
expect_eq "$(sql "select hex(code) from sessions where id = '$session'")" 00FF2F2E2E0A "stored code"
booth_daemon_stop

# A scanned code that looks like a path is a code, never a path.
export BOOTH_FRAMES=$FRAMES/path-code.playlist
booth_daemon_start
booth_wait_state framing
expect_eq "$(ctl --json sessions --limit 1 | json 'd[0]["code"]')" '../../etc/passwd' "path-like code kept"
booth_wait_student
expect_exit 4 ctl capture
expect_exit 0 ctl --json commit --override
photo=$(json 'd["files"][0]["path"]' <<<"$OUT")
expect_match "$photo" "^$WORK/state/photos/[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}_chsi-upload.jpg$" "file named by session id"
expect_eq "$(find "$WORK" -name passwd | wc -l)" 0 "no file named after the code"
booth_daemon_stop

# A QR payload longer than code_max_bytes is not a capture code: logged, nothing starts.
sed 's/^code_max_bytes=.*/code_max_bytes=32/' "$BOOTH_SOURCE_ROOT/etc/boothd.conf" >"$WORK/boothd.conf"
mkdir -p "$WORK/profiles" && cp "$BOOTH_SOURCE_ROOT"/etc/profiles/*.profile "$WORK/profiles/"
export BOOTH_CONFIG=$WORK/boothd.conf BOOTH_FRAMES=$FRAMES/demo.playlist
booth_daemon_start
booth_wait_match "$WORK/boothd.log" "ignored a QR code .*65 bytes long, more than the 32 allowed"
expect_eq "$(booth_state)" idle "an oversized code starts nothing"
booth_daemon_stop
