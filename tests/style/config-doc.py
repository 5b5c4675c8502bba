#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""boothd.conf(5) and boothd.profile(5) document every key the daemon reads, and nothing
else: the key tables in daemon/core/config.c and daemon/core/profile.c against the KEYS tables
of docs/boothd.conf.5.md and docs/boothd.profile.5.md, key by key, with the type and the
numeric range. Prints the differences; exits 1 if there is any."""
import os
import re
import sys

root = os.environ.get("BOOTH_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
TYPES = {"KEY_BOOL": "boolean", "KEY_INT": "integer", "KEY_DOUBLE": "number", "KEY_STRING": "string",
         "KEY_STRV": "list", "KEY_RGB": "RGB", "KEY_RATIO": "ratio", "KEY_ROTATION": "integer",
         "KEY_PIXEL_FORMAT": "string", "KEY_NAME": "name"}
CONSTANTS = {"BOOTH_IMAGE_MAX_PIXELS": 100000000}


def number(text):
    text = text.strip()
    return float(CONSTANTS.get(text, text))


def code_keys(path):
    keys = {}
    text = open(os.path.join(root, path), encoding="utf-8").read()
    for m in re.finditer(r'\{?\s*(?:CFG|PRO)?\(?"(\w+)", "(\w+)", (KEY_\w+), ([^,]+), ([^,]+),', text):
        keys[f"[{m.group(1)}] {m.group(2)}"] = (TYPES[m.group(3)], number(m.group(4)),
                                                number(m.group(5)))
    return keys


def doc_keys(path):
    keys = {}
    for line in open(os.path.join(root, path), encoding="utf-8"):
        m = re.match(r"\| `(\[\w+\] \w+)` \| ([^|]+)\|[^|]*\| ([^|]+)\|", line)
        if m:
            keys[m.group(1)] = (m.group(2).strip(), m.group(3).strip())
    return keys


problems = []
counted = 0
for source, doc in (("daemon/core/config.c", "docs/boothd.conf.5.md"),
                    ("daemon/core/profile.c", "docs/boothd.profile.5.md")):
    code, documented = code_keys(source), doc_keys(doc)
    counted += len(code)
    for key in sorted(set(code) - set(documented)):
        problems.append(f"{doc}: {key} is read by {source} but not documented")
    for key in sorted(set(documented) - set(code)):
        problems.append(f"{doc}: {key} is documented but {source} does not read it")
    for key in sorted(set(code) & set(documented)):
        kind, lo, hi = code[key]
        doc_kind, doc_range = documented[key]
        if doc_kind != kind:
            problems.append(f"{doc}: {key} is documented as {doc_kind}, {source} reads {kind}")
        if kind in ("integer", "number", "RGB"):
            m = re.match(r"(-?[\d.]+) to (-?[\d.]+)", doc_range)
            if not m or (float(m.group(1)), float(m.group(2))) != (lo, hi):
                problems.append(f"{doc}: {key} range '{doc_range}', {source} allows {lo:g} to {hi:g}")
for p in problems:
    print(p)
print(f"# {counted} keys compared, {len(problems)} differences")
sys.exit(1 if problems else 0)
