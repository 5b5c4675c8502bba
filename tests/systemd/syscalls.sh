# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# The system calls a unit's SystemCallFilter= lines allow, as systemd reads them; shared by
# the daemons' traced runs (tests/systemd/unit-syscalls.sh, tests/sync/sync-syscalls.sh).
# Needs SYSTEMD_ANALYZE.

# syscalls_resolve SET...: the system calls in the named sets (and single calls), groups
# expanded.
syscalls_resolve() {
  local item
  for item in "$@"; do
    if [[ $item != @* ]]; then
      echo "$item"
      continue
    fi
    "$SYSTEMD_ANALYZE" syscall-filter --no-pager "$item" |
      awk '/^@/ || /^ *#/ || NF == 0 { next } { print $1 }' |
      while read -r s; do syscalls_resolve "$s"; done
  done
}

# unit_allowed_syscalls UNIT OUT: writes the allowed calls to OUT, one a line, sorted. As
# systemd does: the first line is an allow list, and each later line adds calls (a plain list)
# or takes them away (~list), in the order they come. Prints a summary; false (with the
# reason) when the unit has no allow list.
unit_allowed_syscalls() {
  local unit=$1 out=$2 value words allow=() deny=()
  : >"$out"
  while IFS= read -r value; do
    if [[ $value == ~* ]]; then
      ((${#allow[@]})) || { echo "FAIL: the unit's first SystemCallFilter= is not an allow list"; return 1; }
      read -ra words <<<"${value#\~}"
      deny+=("${words[@]}")
      syscalls_resolve "${words[@]}" | sort -u >"$out.set"
      comm -23 "$out" "$out.set" >"$out.next"
    else
      read -ra words <<<"$value"
      allow+=("${words[@]}")
      syscalls_resolve "${words[@]}" | sort -u >"$out.set"
      sort -u "$out" "$out.set" >"$out.next"
    fi
    mv "$out.next" "$out"
  done < <(sed -n 's/^SystemCallFilter=//p' "$unit")
  rm -f "$out.set"
  ((${#allow[@]})) || { echo "FAIL: the unit has no SystemCallFilter= allow list"; return 1; }
  echo "the unit allows $(wc -l <"$out") system calls (${allow[*]} less ${deny[*]:-nothing})"
}
