#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds one fuzz target with clang (libFuzzer, ASan, UBSan), whatever compiler meson uses,
# seeds it from the repository's own data, and fuzzes for SECONDS (BOOTH_FUZZ_SECONDS
# overrides it for every target). Any crash, sanitizer report, leak or broken promise (the
# targets abort) fails the test and leaves the input that did it in the work folder.
# Targets:
#   mjpeg   camera frames through the converter (fuzz-mjpeg.c); seeds: the test photos
#           re-encoded as camera frames
#   config  boothd.conf and profile parsing from memory (fuzz-config.c); seeds: etc/
#   image   the file camera's JPEG and PNG decoders (fuzz-image.c); seeds: the test photos
#           made small, in the JPEG and PNG codings the decoders handle differently
#   code    the capture code helpers a QR payload goes through (fuzz-code.c); seeds: the
#           payloads of the QR test images
# Skips (77) without clang or its fuzzer runtime (Debian: clang, libclang-rt-14-dev).
# Usage: run-fuzz.sh TARGET WORK_DIR [SECONDS=60], with BOOTH_SOURCE_ROOT set, and
# BOOTH_BUILD_ROOT for the config target (boothd-build.h); CLANG picks another clang.
set -euo pipefail

src=${BOOTH_SOURCE_ROOT:?BOOTH_SOURCE_ROOT must name the source tree}
target=${1:?usage: run-fuzz.sh TARGET WORK_DIR [SECONDS]}
work=${2:?usage: run-fuzz.sh TARGET WORK_DIR [SECONDS]}
seconds=${BOOTH_FUZZ_SECONDS:-${3:-60}}
clang=${CLANG:-clang}
sanitize=(-fsanitize=fuzzer -fsanitize=address -fsanitize=undefined -fno-sanitize-recover=undefined)
base=("$src/daemon/frame.c" "$src/common/error.c" "$src/daemon/log.c")
includes=(-I"$src" -I"$src/common" -I"$src/daemon")

case $target in
mjpeg)
  sources=("$src/daemon/camera/convert.c" "${base[@]}")
  pkgs=(glib-2.0 libturbojpeg libsystemd)
  dicts=(jpeg.dict)
  max_len=65536
  ;;
config)
  # core/keyfile.c checks pixel formats through the camera layer; built without libcamera here, it
  # takes the converter's names.
  sources=("$src/daemon/core/config.c" "$src/daemon/core/keyfile.c" "$src/daemon/core/profile.c" "$src/daemon/camera/camera.c" "$src/daemon/camera/camera-file.c"
    "$src/daemon/camera/convert.c" "$src/daemon/photo/image.c" "$src/daemon/file.c" "${base[@]}")
  pkgs=(glib-2.0 libturbojpeg libpng libsystemd)
  includes+=(-I"${BOOTH_BUILD_ROOT:?BOOTH_BUILD_ROOT must name the build tree (boothd-build.h)}")
  dicts=()
  max_len=8192
  ;;
image)
  sources=("$src/daemon/photo/image.c" "$src/daemon/file.c" "${base[@]}")
  pkgs=(glib-2.0 libturbojpeg libpng libsystemd)
  dicts=(jpeg.dict png.dict)
  max_len=65536
  ;;
code)
  sources=("$src/daemon/analysis/code.c" "$src/common/error.c")
  pkgs=(glib-2.0)
  dicts=()
  max_len=8192
  ;;
*)
  echo "run-fuzz.sh: unknown target '$target' (mjpeg, config, image or code)" >&2
  exit 2
  ;;
esac

skip() {
  echo "SKIP: $*"
  exit 77
}

command -v "$clang" >/dev/null || skip "$clang not installed (Debian package clang)"
mkdir -p "$work"
work=$(cd "$work" && pwd)

# A trivial target tells a missing runtime apart from a broken build of ours.
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{\n  return d && n;\n}\n' \
  >"$work/probe.c"
"$clang" "${sanitize[@]}" "$work/probe.c" -o "$work/probe" 2>"$work/probe.log" ||
  skip "$clang cannot link -fsanitize=fuzzer (Debian package libclang-rt-14-dev): $(head -n 3 "$work/probe.log")"

echo "building fuzz-$target with $("$clang" --version | head -n 1)"
# shellcheck disable=SC2046 # pkg-config output is a list of flags
"$clang" -std=c11 -g -O1 "${sanitize[@]}" -Wall -Wextra -Werror \
  -D_GNU_SOURCE -DG_LOG_USE_STRUCTURED=1 -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 \
  "${includes[@]}" $(pkg-config --cflags "${pkgs[@]}") \
  "$src/tests/fuzz/fuzz-$target.c" "${sources[@]}" \
  $(pkg-config --libs "${pkgs[@]}") -lm -o "$work/fuzz-$target"

seeds=$work/seeds
rm -rf "$seeds"
mkdir -p "$seeds" "$work/corpus"
n=0
case $target in
mjpeg)
  # The test photos that really are JPEG, made into frames such as cameras send: 4:2:2 with
  # the standard Huffman tables (UVC), 4:2:0, 640x480 (the target's fixed layout), and
  # through cjpeg the rarer codings (progressive, restart markers, arithmetic, greyscale).
  for photo in "$src"/tests/data/portraits/*.jpg; do
    [[ $(head -c 3 "$photo" | od -An -tx1 | tr -d ' \n') == ffd8ff ]] || continue
    n=$((n + 1))
    if command -v ffmpeg >/dev/null; then
      ff=(ffmpeg -nostdin -v error -y -i "$photo")
      "${ff[@]}" -vf scale=320:240 -pix_fmt yuvj422p -huffman default -f mjpeg "$seeds/$n-422.jpg"
      "${ff[@]}" -vf scale=320:240 -pix_fmt yuvj420p -f mjpeg "$seeds/$n-420.jpg"
      "${ff[@]}" -vf scale=640:480 -pix_fmt yuvj422p -q:v 8 -huffman default -f mjpeg \
        "$seeds/$n-vga.jpg"
    fi
    if command -v djpeg >/dev/null && command -v cjpeg >/dev/null; then
      djpeg -scale 1/4 "$photo" >"$work/small.ppm"
      cjpeg -progressive -quality 60 "$work/small.ppm" >"$seeds/$n-progressive.jpg"
      cjpeg -restart 1 -quality 60 "$work/small.ppm" >"$seeds/$n-restart.jpg"
      cjpeg -arithmetic -quality 60 "$work/small.ppm" >"$seeds/$n-arithmetic.jpg" || true
      cjpeg -grayscale -quality 60 "$work/small.ppm" >"$seeds/$n-grey.jpg"
    fi
    compgen -G "$seeds/$n-*" >/dev/null || cp "$photo" "$seeds/$n.jpg"
  done
  rm -f "$work/small.ppm"
  ;;
config)
  # The shipped configuration and profiles, and the groups and keys they use as a dictionary,
  # so that mutations splice whole keys in.
  for f in "$src"/etc/boothd.conf "$src"/etc/profiles/*.profile; do
    n=$((n + 1))
    cp "$f" "$seeds/$n-$(basename "$f")"
  done
  dict=$work/keys.dict
  sed -n -e 's/^\(\[[A-Za-z]*\]\)$/"\1"/p' -e 's/^#\{0,1\}\([a-z_]*\)=.*/"\1="/p' \
    "$src"/etc/boothd.conf "$src"/etc/profiles/*.profile | sort -u >"$dict"
  dicts=("$dict")
  ;;
image)
  # Each photo small (about 64 pixels wide, so that an input decodes in well under a
  # millisecond), as baseline, progressive and greyscale JPEG, and as the PNG kinds libpng
  # is driven through differently: RGB, grey, 16-bit, palette, interlaced, with an alpha
  # channel and with a transparent colour (tRNS); and the QR frames as they are (1-bit).
  for tool in djpeg cjpeg pnmscale ppmtopgm pnmdepth pnmquant pnmtopng; do
    command -v "$tool" >/dev/null ||
      skip "$tool makes the seeds (Debian packages libjpeg-turbo-progs, netpbm)"
  done
  for photo in "$src"/tests/data/portraits/*.jpg "$src"/tests/data/frames/student.jpg; do
    [[ $(head -c 3 "$photo" | od -An -tx1 | tr -d ' \n') == ffd8ff ]] || continue
    n=$((n + 1))
    djpeg -scale 1/8 "$photo" | pnmscale -width 64 >"$work/small.ppm"
    ppmtopgm "$work/small.ppm" >"$work/small.pgm"
    cjpeg -quality 70 "$work/small.ppm" >"$seeds/$n.jpg"
    cjpeg -progressive -quality 70 "$work/small.ppm" >"$seeds/$n-progressive.jpg"
    cjpeg -grayscale -quality 70 "$work/small.ppm" >"$seeds/$n-grey.jpg"
    pnmtopng "$work/small.ppm" >"$seeds/$n.png"
    pnmtopng "$work/small.pgm" >"$seeds/$n-grey.png"
    # -force: pnmtopng would store a 16-bit image whose values fit 8 bits as 8-bit.
    pnmdepth 65535 "$work/small.ppm" | pnmtopng -force >"$seeds/$n-16bit.png"
    pnmquant 16 "$work/small.ppm" 2>/dev/null | pnmtopng >"$seeds/$n-palette.png"
    pnmtopng -interlace "$work/small.ppm" >"$seeds/$n-interlaced.png"
    pnmtopng -alpha="$work/small.pgm" "$work/small.ppm" >"$seeds/$n-alpha.png"
    pnmtopng -transparent=white "$work/small.ppm" >"$seeds/$n-trns.png"
  done
  for f in "$src"/tests/data/frames/*.png; do
    cp "$f" "$seeds/frame-$(basename "$f")"
  done
  rm -f "$work/small.ppm" "$work/small.pgm"
  ;;
code)
  # What the QR test images hold, as zbar reads them, and the codes the frames show; the
  # first two bytes of an input are the limits (fuzz-code.c): 4096 bytes, 64 characters.
  for f in "$src"/tests/data/qr/*/*.txt; do
    [[ $f == *metadata* ]] && continue
    n=$((n + 1))
    { printf '\x80\x40'; cat "$f"; } >"$seeds/$n"
  done
  printf '\x80\x40%s' 'XJM1:8GvQ2mZrT0c4pL7wq9YbE3sNdKfA6uHx1JtVnR5oW2iC0lM8eDgB7yPzS4hQ' >"$seeds/code-1"
  printf '\x80\x40%s' '../../etc/passwd' >"$seeds/code-path"
  ;;
esac
echo "$(find "$seeds" -type f | wc -l) seeds; fuzzing for $seconds s"

dict_args=()
if ((${#dicts[@]} > 0)); then
  for d in "${dicts[@]}"; do
    [[ $d == /* ]] || d=$src/tests/fuzz/$d
    cat "$d"
  done >"$work/all.dict"
  dict_args=(-dict="$work/all.dict")
fi

log=$work/fuzz.log
rc=0
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
  "$work/fuzz-$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len="$max_len" -error_exitcode=1 -print_final_stats=1 "${dict_args[@]}" \
  -artifact_prefix="$work/" "$work/corpus" "$seeds" >"$log" 2>&1 || rc=$?

grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "$log" || true
final_stat() {
  sed -n "s/^stat::$1: *//p" "$log"
}
done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
echo "fuzz-$target: $(final_stat number_of_executed_units) inputs in $seconds s," \
  "$(final_stat average_exec_per_sec) per second, coverage ${cov:-?} edges (${ft:-?} features)," \
  "peak RSS $(final_stat peak_rss_mb) MiB, corpus $(find "$work/corpus" -type f | wc -l) inputs"

if ((rc != 0)); then
  tail -n 60 "$log"
  echo "FAIL: fuzz-$target exited with $rc; the input is in $work (crash-*, leak-*, timeout-*)"
  exit 1
fi
