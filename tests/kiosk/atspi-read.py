#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Reads boothkiosk's screen through the accessibility tree (AT-SPI), as a screen reader
would, on the test's own session bus.

  atspi-read.py dump                       every showing text, one per line
  atspi-read.py wait SCREEN [TEXT...]      waits until the screen named SCREEN shows and
                                           shows every TEXT (a substring of a showing
                                           label or accessible name); prints its texts
  atspi-read.py press NAME                 activates the showing button NAME (widget name
                                           or label)
  atspi-read.py extents NAME               waits until a showing widget has the accessible
                                           name NAME and a size; prints its x y width height
                                           in the window's pixels
Options: --timeout S (default 20). Exit 0 on success, 1 with what was showing on failure."""
import sys
import time

import pyatspi

APP = "boothkiosk"
SCREENS = ("idle", "framing", "processing", "review", "done", "trouble")


def app():
    desktop = pyatspi.Registry.getDesktop(0)
    for i in range(desktop.childCount):
        a = desktop.getChildAtIndex(i)
        if a is not None and a.name == APP:
            return a
    return None


def showing(acc):
    # GTK 4.8 sets VISIBLE (not SHOWING) on the widgets of its windows; the kiosk keeps
    # only the screen on view visible.
    try:
        return acc.getState().contains(pyatspi.STATE_VISIBLE)
    except Exception:
        return False


def walk(acc, out, depth=0):
    """Showing accessibles in tree order, as (accessible, role name, name)."""
    if acc is None or depth > 40:
        return
    try:
        n = acc.childCount
    except Exception:
        return
    for i in range(n):
        try:
            c = acc.getChildAtIndex(i)
        except Exception:
            continue
        if c is None or not showing(c):
            continue
        out.append((c, c.getRoleName(), c.name or ""))
        walk(c, out, depth + 1)


def snapshot():
    a = app()
    if a is None:
        return None, []
    nodes = []
    walk(a, nodes)
    screen = None
    for _, role, name in nodes:
        if name in SCREENS and role in ("panel", "filler", "grouping", "section"):
            screen = name
    return screen, nodes


def texts(nodes):
    """What a screen reader would say: every label, button and named widget."""
    return [name for _, _, name in nodes if name and name != "GtkStackPage"]


def describe(screen, nodes):
    lines = [f"screen: {screen}"] + [f"  {role}: {name}" for _, role, name in nodes if name]
    return "\n".join(lines)


def main():
    args = sys.argv[1:]
    timeout = 20.0
    if "--timeout" in args:
        i = args.index("--timeout")
        timeout = float(args[i + 1])
        del args[i:i + 2]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, rest = args[0], args[1:]
    deadline = time.monotonic() + timeout
    screen, nodes = None, []
    while True:
        screen, nodes = snapshot()
        if cmd == "dump":
            print(describe(screen, nodes))
            return 0 if screen else 1
        if cmd == "wait":
            want, needles = rest[0], rest[1:]
            shown = texts(nodes)
            if screen == want and all(any(n in t for t in shown) for n in needles):
                for t in shown:
                    print(t)
                return 0
        elif cmd == "press":
            for acc, role, name in nodes:
                if role == "push button" and rest[0] in (name, getattr(acc, "accessibleId", None)):
                    try:
                        if acc.getState().contains(pyatspi.STATE_SENSITIVE):
                            action = acc.queryAction()
                            action.doAction(0)
                            print(f"pressed {name}")
                            return 0
                    except Exception as e:
                        print(f"# press {name}: {e}", file=sys.stderr)
        elif cmd == "extents":
            for acc, _, name in nodes:
                if name != rest[0]:
                    continue
                try:
                    e = acc.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
                except Exception as e:
                    print(f"# extents {name}: {e}", file=sys.stderr)
                    continue
                if e.width > 0 and e.height > 0:
                    print(e.x, e.y, e.width, e.height)
                    return 0
        else:
            print(f"unknown command {cmd}", file=sys.stderr)
            return 2
        if time.monotonic() > deadline:
            print(f"FAIL: {cmd} {' '.join(rest)}: not there after {timeout:g} s; showing:",
                  file=sys.stderr)
            print(describe(screen, nodes), file=sys.stderr)
            return 1
        time.sleep(0.1)


sys.exit(main())
