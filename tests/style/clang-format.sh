#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every C and C++ source of the project is formatted as .clang-format says. The files are
# the ones git knows about, committed or new (ignored ones, such as build trees, are not);
# outside a git checkout, the project's source folders are searched instead.
set -euo pipefail

[[ -n ${CLANG_FORMAT:-} ]] || { echo "clang-format not found: skipping"; exit 77; }
cd "$BOOTH_SOURCE_ROOT"

files=()
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  while IFS= read -r -d '' f; do
    [[ -f $f ]] && files+=("$f")
  done < <(git ls-files -z --cached --others --exclude-standard -- '*.c' '*.h' '*.cpp' '*.hpp')
else
  while IFS= read -r -d '' f; do
    files+=("$f")
  done < <(find daemon client tests \( -name '*.c' -o -name '*.h' -o -name '*.cpp' -o -name '*.hpp' \) \
    -print0 2>/dev/null)
fi

if ((${#files[@]} == 0)); then
  echo "no C sources found"
  exit 77
fi

"$CLANG_FORMAT" --version
if "$CLANG_FORMAT" --dry-run --Werror "${files[@]}"; then
  echo "${#files[@]} files formatted as .clang-format says"
else
  echo "FAIL: reformat with: clang-format -i FILE (the lines above show where)"
  exit 1
fi
