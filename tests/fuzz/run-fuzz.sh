#!/bin/bash
# Builds the MJPEG fuzz target with clang (libFuzzer, ASan, UBSan), whatever compiler meson
# uses, seeds it with the test photos re-encoded as small camera frames, and fuzzes for
# BOOTH_FUZZ_SECONDS (60 by default). Any crash, sanitizer report, leak or broken promise
# (fuzz-mjpeg.c aborts) fails the test and leaves the input that did it in the work folder.
# Skips (77) without clang or its fuzzer runtime (Debian: clang, libclang-rt-14-dev).
# Usage: run-fuzz.sh WORK_DIR, with BOOTH_SOURCE_ROOT set; CLANG picks another clang.
set -euo pipefail

src=${BOOTH_SOURCE_ROOT:?BOOTH_SOURCE_ROOT must name the source tree}
work=${1:?usage: run-fuzz.sh WORK_DIR}
seconds=${BOOTH_FUZZ_SECONDS:-60}
clang=${CLANG:-clang}
sanitize=(-fsanitize=fuzzer -fsanitize=address -fsanitize=undefined -fno-sanitize-recover=undefined)

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

echo "building fuzz-mjpeg with $("$clang" --version | head -n 1)"
pkgs=(glib-2.0 libturbojpeg libsystemd)
# shellcheck disable=SC2046 # pkg-config output is a list of flags
"$clang" -std=c11 -g -O1 "${sanitize[@]}" -Wall -Wextra -Werror \
  -D_GNU_SOURCE -DG_LOG_USE_STRUCTURED=1 -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 \
  -I"$src" -I"$src/daemon" $(pkg-config --cflags "${pkgs[@]}") \
  "$src/tests/fuzz/fuzz-mjpeg.c" "$src/daemon/camera/convert.c" \
  "$src/daemon/frame.c" "$src/daemon/error.c" "$src/daemon/log.c" \
  $(pkg-config --libs "${pkgs[@]}") -lm -o "$work/fuzz-mjpeg"

# Seeds: the test photos that really are JPEG, made into frames such as cameras send: 4:2:2
# with the standard Huffman tables (UVC), 4:2:0, 640x480 (the target's fixed layout), and
# through cjpeg the rarer codings (progressive, restart markers, arithmetic, greyscale).
seeds=$work/seeds
rm -rf "$seeds"
mkdir -p "$seeds" "$work/corpus"
n=0
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
echo "$(find "$seeds" -type f | wc -l) seeds from $n photos; fuzzing for $seconds s"

log=$work/fuzz.log
rc=0
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
  "$work/fuzz-mjpeg" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=65536 -error_exitcode=1 -print_final_stats=1 -dict="$src/tests/fuzz/jpeg.dict" \
  -artifact_prefix="$work/" "$work/corpus" "$seeds" >"$log" 2>&1 || rc=$?

grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "$log" || true
final_stat() {
  sed -n "s/^stat::$1: *//p" "$log"
}
done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
echo "fuzz-mjpeg: $(final_stat number_of_executed_units) inputs in $seconds s," \
  "$(final_stat average_exec_per_sec) per second, coverage ${cov:-?} edges (${ft:-?} features)," \
  "peak RSS $(final_stat peak_rss_mb) MiB, corpus $(find "$work/corpus" -type f | wc -l) inputs"

if ((rc != 0)); then
  tail -n 60 "$log"
  echo "FAIL: fuzz-mjpeg exited with $rc; the input is in $work (crash-*, leak-*, timeout-*)"
  exit 1
fi
