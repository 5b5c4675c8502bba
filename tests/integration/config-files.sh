# SPDX-License-Identifier: GPL-2.0-or-later
# Where boothd's configuration comes from: drop-ins override the file they belong to in name
# order, --check-config lists what it read and exits 0 or 1, a fresh build runs against the
# source tree's etc/ without flags, and an install puts the vendor defaults under datadir and
# writes nothing into /etc/boothd but its empty folders.
source "$(dirname "$0")/common.sh"
booth_harness_init
mkdir -p "$WORK/site/boothd.conf.d" "$WORK/site/profiles"
printf '[Booth]\ncamera=auto\nstate_dir=%s\n[Camera]\nfps=10\n' "$WORK/state" >"$WORK/site/boothd.conf"
printf '[Booth]\ncamera=file:/first\n' >"$WORK/site/boothd.conf.d/10-camera.conf"
printf '[Booth]\ncamera=file:/second\nprofiles=chsi-final\n' >"$WORK/site/boothd.conf.d/20-later.conf"
printf 'not a drop-in\n' >"$WORK/site/boothd.conf.d/README"

expect_exit 0 "$BOOTHD" --check-config --config "$WORK/site/boothd.conf"
expect_match "$OUT" "^configuration files: $WORK/site/boothd.conf, $WORK/site/boothd.conf.d/10-camera.conf, $WORK/site/boothd.conf.d/20-later.conf$" \
  "the files read, in order (not README)"
expect_match "$OUT" "^camera: file:/second$" "the later drop-in wins"
expect_match "$OUT" "^profiles: chsi-final$" "a drop-in's key overrides the file's"
expect_match "$OUT" "^state folder: $WORK/state$" "the file's key stays where no drop-in sets it"
expect_eq "$(find "$WORK" -name records.db | wc -l)" 0 "--check-config touches no state"

printf '[Booth]\ncamera=auto\ncamera=auto\n' >"$WORK/site/boothd.conf.d/30-twice.conf"
expect_exit 1 "$BOOTHD" --check-config --config "$WORK/site/boothd.conf"
expect_match "$ERR" "30-twice.conf:3: \\[Booth\\] camera: set again \\(first at line 2\\)" "a bad drop-in named by file and line"
rm "$WORK/site/boothd.conf.d/30-twice.conf"
printf '[Booth]\nprofiles=passport\n' >"$WORK/site/boothd.conf.d/30-profile.conf"
expect_exit 1 "$BOOTHD" --check-config --config "$WORK/site/boothd.conf"
expect_match "$ERR" "profile 'passport': no passport.profile" "a missing profile fails the check"
printf '[Profile]\nwidth=480\nheight=640\nmax_kb=120\n' >"$WORK/site/profiles/passport.profile"
expect_exit 0 "$BOOTHD" --check-config --config "$WORK/site/boothd.conf"
expect_match "$OUT" "^profiles: passport$" "a site profile beside the file"

# A fresh build: no --config, the vendor defaults are the source tree's etc/ (and the site's
# /etc/boothd, where this machine has one).
expect_exit 0 "$BOOTHD" --check-config
expect_match "$OUT" "^configuration files: $BOOTH_SOURCE_ROOT/etc/boothd.conf" "the build reads the source's etc/"
expect_match "$OUT" "^camera: " "the camera it would open"
expect_exit 0 "$BOOTHD" --analyze --profile chsi-final "$FRAMES/student.jpg"
expect_match "$OUT" '"profile":"chsi-final"' "--analyze from the build tree finds the profiles"

# An install into a scratch root.
meson install -C "$BOOTH_BUILD_ROOT" --no-rebuild --destdir "$WORK/root" >"$WORK/install.log" 2>&1 ||
  fail "meson install failed: $(tail -n 20 "$WORK/install.log")"
prefix=$(meson introspect "$BOOTH_BUILD_ROOT" --buildoptions |
  /usr/bin/python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
sysconf=$(meson introspect "$BOOTH_BUILD_ROOT" --buildoptions |
  /usr/bin/python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "sysconfdir"))')
[[ $sysconf == /* ]] || sysconf=$prefix/$sysconf
for f in "$prefix/share/boothd/boothd.conf" "$prefix/share/boothd/profiles/chsi-upload.profile" \
  "$prefix/share/boothd/profiles/chsi-final.profile" "$prefix/bin/boothd" "$prefix/bin/boothctl"; do
  [[ -f $WORK/root$f ]] || fail "not installed: $f"
done
ok "the vendor defaults, boothd and boothctl are installed"
[[ -d $WORK/root$sysconf/boothd/boothd.conf.d ]] || fail "no $sysconf/boothd/boothd.conf.d"
expect_eq "$(find "$WORK/root$sysconf/boothd" -type f | wc -l)" 0 "no file written into $sysconf/boothd"
expect_match "$(grep -E '^camera=' "$WORK/root$prefix/share/boothd/boothd.conf")" '^camera=auto$' \
  "an installed booth opens the real camera"
