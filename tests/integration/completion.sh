# SPDX-License-Identifier: GPL-2.0-or-later
# boothctl's bash completion completes commands, a command's options, --status values and, for
# info, the session ids boothd has recorded.
source "$(dirname "$0")/common.sh"
booth_harness_init

# complete WORDS...: what the completion offers for the last word (may be empty).
complete_words() {
  bash --norc --noprofile -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _boothctl; printf "%s\n" "${COMPREPLY[@]}"' \
    bash "$BOOTH_SOURCE_ROOT/client/completion/boothctl" "$@"
}

expect_eq "$(complete_words boothctl cap)" capture "a command"
expect_eq "$(complete_words boothctl s | sort | tr '\n' ' ')" "sessions start status " "commands by prefix"
expect_eq "$(complete_words boothctl commit --o)" "--override" "a command's option"
expect_eq "$(complete_words boothctl --bus unix:path=/x capture --)" $'--force\n--bus\n--json\n--help' \
  "after a global option, the command's options"
expect_eq "$(complete_words boothctl sessions --status com)" committed "--status values"

export BOOTH_FRAMES=$FRAMES/no-code.playlist
booth_bus_start
booth_daemon_start
expect_exit 0 ctl start --code "$CODE1"
session=$(ctl --json status | json 'd["Session"]["id"]')
expect_exit 0 ctl cancel
PATH=$(dirname "$BOOTHCTL"):$PATH
expect_eq "$(complete_words boothctl --bus "$BUS_ADDR" info "${session:0:8}")" "$session" \
  "info completes the session ids boothd recorded"
booth_daemon_stop
