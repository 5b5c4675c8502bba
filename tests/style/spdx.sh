#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every source file of the project names its licence in an SPDX line near its top: C, C++,
# shell, Python, meson and the unit, bus and config files we wrote (test data carries its own
# licences beside it, in tests/data; the interface XML is dumped from the daemon as it is).
set -euo pipefail
cd "$BOOTH_SOURCE_ROOT"
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "not a git checkout: skipping"; exit 77; }
missing=0 n=0
while IFS= read -r -d '' f; do
  [[ -f $f ]] || continue
  case $f in
  tests/data/*) continue ;;
  *.c | *.h | *.cpp | *.sh | *.py | meson.build | */meson.build | *.in | *.conf | *.profile | \
    *.sysusers | *.service | .ci/* | tests/run-all | tests/demo) ;;
  *) continue ;;
  esac
  n=$((n + 1))
  if ! head -n 3 "$f" | grep -q 'SPDX-License-Identifier: '; then
    echo "$f: no SPDX-License-Identifier line in its first 3 lines"
    missing=$((missing + 1))
  fi
done < <(git ls-files -z --cached --others --exclude-standard)
echo "# $n source files, $missing without an SPDX line"
((missing == 0))
