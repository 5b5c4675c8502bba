#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The layers hold: dependencies point down (common <- daemon base <- camera, analysis,
photo, store <- core <- bus <- the daemon's command line; clients and sync/ see common/ only), nothing
under daemon/core/ names sd-bus or systemd, and every function a header declares is defined
somewhere. Prints each violation with its file and line; exits 1 if there is any."""
import os
import re
import sys

root = os.environ.get("BOOTH_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
os.chdir(root)

LEVELS = {"common": 0, "base": 1, "camera": 2, "analysis": 2, "photo": 2, "store": 2,
          "core": 3, "bus": 4, "main": 5}


def layer(path):
    parts = path.split("/")
    if parts[0] == "common":
        return "common"
    if parts[0] == "client":
        return "client"
    if parts[0] == "sync":
        return "sync"
    if parts[0] != "daemon":
        return None
    if len(parts) == 2:
        return "main" if parts[1] in ("daemon.c", "daemon.h", "main.c") else "base"
    return parts[1]


def sources():
    for top in ("common", "daemon", "client", "sync"):
        for dirpath, _, files in os.walk(top):
            for f in sorted(files):
                if f.endswith((".c", ".h", ".cpp")):
                    yield os.path.join(dirpath, f)


def resolve(including, name):
    """The project file an #include "name" means, or None (a generated or system header)."""
    for base in (os.path.dirname(including), "common", "daemon", "."):
        p = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(p) and layer(p):
            return p
    return None


problems = []
files = list(sources())
for path in files:
    mine = layer(path)
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        m = re.match(r'\s*#\s*include\s*([<"])([^>"]+)[>"]', line)
        if not m:
            continue
        name = m.group(2)
        if mine == "core" and re.match(r"systemd/|sd-", name):
            problems.append(f"{path}:{n}: the core names {name}: only daemon/bus/ speaks D-Bus")
        if m.group(1) != '"':
            continue
        target = resolve(path, name)
        if not target:
            continue
        theirs = layer(target)
        if mine in ("client", "sync"):
            ok = theirs in (mine, "common")
        elif theirs in ("client", "sync"):
            ok = False
        else:
            ok = LEVELS[theirs] <= LEVELS[mine]
        if not ok:
            problems.append(f"{path}:{n}: {mine} includes {target} ({theirs}), a layer above it")

# Declared in a header, defined nowhere.
declared = {}
for path in files:
    if not path.endswith(".h"):
        continue
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    for m in re.finditer(r"^[A-Za-z_][\w\s\*]*?\b(booth_\w+)\s*\([^;{]*\)\s*(?:G_GNUC_\w+(?:\([^)]*\))?\s*)*;",
                         text, flags=re.M):
        declared.setdefault(m.group(1), f"{path}:{text[:m.start()].count(chr(10)) + 1}")
defined = set()
for path in files:
    if path.endswith((".c", ".cpp")):
        for m in re.finditer(r"^(booth_\w+)\s*\(", open(path, encoding="utf-8").read(), flags=re.M):
            defined.add(m.group(1))
for name, where in sorted(declared.items()):
    if name not in defined:
        problems.append(f"{where}: {name} is declared and defined nowhere")

for p in problems:
    print(p)
print(f"# {len(files)} files, {len(declared)} declared functions, {len(problems)} problems")
sys.exit(1 if problems else 0)
