#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""docs/org.boothd.Booth1.md against the daemon (interface-doc.sh runs it).

  interface-doc.py observe BUS_ADDRESS OBS.json   drive a session on the file camera (demo
                                                  playlist: a code, then a student) and record
                                                  what the daemon shows
  interface-doc.py observe-idle BUS_ADDRESS OBS.json   the same without a camera (no session)
  interface-doc.py compare DOC SOURCE_ROOT OBS.json    compare; exit 1 listing the differences

Compared, both ways unless said: methods, signals and properties with their signatures
(Introspect); each method's option keys and their types (probed: an unknown key is refused with
the known ones listed, a wrong type with the right one named); every dictionary key seen in the
properties, the signals and the answers, with its type (a documented key must be seen, or be
marked "(only ...)" and then appear in the source that makes that dictionary); State values
(core/booth.c's names; every state seen); hints (every hint the source can add; every hint
seen); check names (analysis/checks.c; every check seen); error names (common/error.c; every
name a method section lists, every error seen). Then each kind of entry is removed from the
document in turn, and the comparison must notice: a test that cannot fail proves nothing."""
import copy
import json
import os
import re
import sys
import time

PROBE_KEY = "no_such_option_interface_doc"


# ---- the document ----


def section_anchor(heading):
    return heading.lower().replace(" ", "-")


def parse_doc(path):
    """{'sections': {heading: {...}}, 'tables': {h2: [table...]}} from the Markdown."""
    doc = {"sections": {}, "h2_tables": {}}
    h2 = h3 = None
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            h2, h3 = line[3:].strip(), None
            doc["h2_tables"].setdefault(h2, [])
        elif line.startswith("### "):
            h3 = line[4:].strip()
            doc["sections"][h3] = {"h2": h2, "signature": None, "tables": [], "errors": []}
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                    rows.append(cells)
                i += 1
            table = {"header": [h.lower() for h in rows[0]], "rows": rows[1:]}
            if h3:
                doc["sections"][h3]["tables"].append(table)
            elif h2:
                doc["h2_tables"][h2].append(table)
            continue
        elif h3 and line.startswith("`") and doc["sections"][h3]["signature"] is None:
            doc["sections"][h3]["signature"] = line.strip().strip("`")
        elif h3 and line.startswith("Errors:"):
            doc["sections"][h3]["errors"] += re.findall(r"`([A-Za-z.]+)`", line)
        i += 1
    return doc


def cell(text):
    return text.strip().strip("`")


def members(doc, kind):
    return {h.split(" ", 1)[1]: s for h, s in doc["sections"].items() if h.startswith(kind + " ")}


def key_table(section, first="key"):
    """{key: {'type', 'meaning', 'default'?}} of the section's first table keyed by `first`."""
    for t in section["tables"]:
        if t["header"] and t["header"][0] == first:
            out = {}
            for r in t["rows"]:
                row = dict(zip(t["header"], r))
                out[cell(row[first])] = {
                    "type": cell(row.get("type", "")),
                    "meaning": row.get("meaning", ""),
                    "default": row.get("default"),
                }
            return out
    return None


def h2_table(doc, h2, first):
    for t in doc["h2_tables"].get(h2, []):
        if t["header"] and t["header"][0] == first:
            return [dict(zip(t["header"], r)) for r in t["rows"]]
    return []


def link_target(doc, meaning):
    m = re.search(r"\]\(#([a-z0-9-]+)\)", meaning)
    if not m:
        return None
    for h in doc["sections"]:
        if section_anchor(h) == m.group(1):
            return h
    return "(broken link #%s)" % m.group(1)


def conditional(meaning):
    return "(only " in meaning


# ---- the live daemon ----


def observe(address, out_path, with_session):
    from gi.repository import Gio, GLib

    bus = Gio.DBusConnection.new_for_address_sync(
        address,
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
        | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
        None,
        None,
    )
    name, path, iface = "org.boothd.Booth1", "/org/boothd/Booth1", "org.boothd.Booth1"
    obs = {"introspection": None, "options": {}, "dicts": [], "states": [], "hints": [],
           "errors": [], "checks": []}
    ctx = GLib.MainContext.default()

    def describe(v):
        t = v.get_type_string()
        if t == "a{sv}":
            return {"t": t, "d": {k: describe(v.lookup_value(k, None)) for k in v.keys()}}
        if t == "aa{sv}":
            return {"t": t, "l": [describe(v.get_child_value(i)) for i in range(v.n_children())]}
        if t == "v":
            return describe(v.get_variant())
        return {"t": t}

    def record(root, v):
        obs["dicts"].append([root, describe(v)])

    def call(method, args, sig_in, iface_=iface):
        if sig_in and "h" in sig_in:
            # A handle needs a descriptor behind it: /dev/null stands in for any file.
            fds = Gio.UnixFDList.new_from_array([os.open("/dev/null", os.O_RDONLY)])
            return bus.call_with_unix_fd_list_sync(name, path, iface_, method,
                                                   GLib.Variant(sig_in, args), None,
                                                   Gio.DBusCallFlags.NONE, 60000, fds, None)[0]
        return bus.call_sync(name, path, iface_, method,
                             GLib.Variant(sig_in, args) if sig_in else None,
                             None, Gio.DBusCallFlags.NONE, 60000, None)

    def error_name(e):
        n = Gio.DBusError.get_remote_error(e)
        if n:
            obs["errors"].append(n)
        return n

    def on_signal(conn, sender, opath, iface_, signal, params):
        if signal == "CodeScanned":
            record("Signal CodeScanned", params.get_child_value(1))
        elif signal == "Committed":
            record("Dict Record", params.get_child_value(1))
            obs["committed"] = obs.get("committed", 0) + 1
        elif signal == "FramingHints":
            obs["hints"] += params.get_child_value(0).unpack()

    bus.signal_subscribe(name, iface, None, path, None, Gio.DBusSignalFlags.NONE, on_signal)
    # Started before boothd, so that the first CodeScanned is not missed: wait for it here.
    end = time.monotonic() + 30
    while not bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                            "NameHasOwner", GLib.Variant("(s)", (name,)), None,
                            Gio.DBusCallFlags.NONE, 5000, None).unpack()[0]:
        if time.monotonic() > end:
            raise SystemExit("boothd did not take %s within 30 s" % name)
        time.sleep(0.02)

    def sample():
        props = call("GetAll", (iface,), "(s)", "org.freedesktop.DBus.Properties").get_child_value(0)
        for k in props.keys():
            v = props.lookup_value(k, None)
            if k == "State":
                obs["states"].append(v.unpack())
            else:
                record("Property " + k, v)
                if k == "Framing" and v.lookup_value("hints", None) is not None:
                    obs["hints"] += v.lookup_value("hints", None).unpack()
        return props

    def state():
        return sample().lookup_value("State", None).unpack()

    def spin(seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            while ctx.iteration(False):
                pass
            time.sleep(0.02)

    def wait_for(pred, what, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if pred():
                return
            spin(0.05)
        raise SystemExit("timed out waiting for " + what)

    def call_sampling(method, args, sig_in):
        """Calls method asynchronously, sampling the properties until it answers (to see the
        states a call passes through: processing, committing)."""
        box = {}

        def done(conn, res):
            try:
                box["reply"] = conn.call_finish(res)
            except GLib.Error as e:
                box["error"] = e

        bus.call(name, path, iface, method, GLib.Variant(sig_in, args) if sig_in else None,
                 None, Gio.DBusCallFlags.NONE, 120000, None, done)
        while not box:
            sample()
            spin(0.01)
        if "error" in box:
            raise SystemExit("%s failed: %s" % (method, box["error"].message))
        return box["reply"]

    # The interface as the daemon gives it.
    obs["introspection"] = call("Introspect", None, None,
                                "org.freedesktop.DBus.Introspectable").unpack()[0]
    info = Gio.DBusNodeInfo.new_for_xml(obs["introspection"]).lookup_interface(iface)

    # Option keys: an unknown key lists the known ones; a wrong type names the right one.
    dummies = {"s": "", "b": False, "u": 0, "i": 0, "t": 0, "x": 0, "d": 0.0, "h": 0}
    for m in info.methods:
        sigs = [a.signature for a in m.in_args]
        if "a{sv}" not in sigs:
            continue
        if any(t != "a{sv}" and t not in dummies for t in sigs) or sigs.count("a{sv}") > 1:
            obs.setdefault("unprobed", []).append("%s(%s)" % (m.name, ", ".join(sigs)))
            continue
        sig_in = "(%s)" % "".join(sigs)

        def args_with(options):
            return tuple(options if t == "a{sv}" else dummies[t] for t in sigs)

        try:
            call(m.name, args_with({PROBE_KEY: GLib.Variant("b", True)}), sig_in)
            raise SystemExit("%s accepted the unknown option %s" % (m.name, PROBE_KEY))
        except GLib.Error as e:
            error_name(e)
            found = re.search(r"\(known: (.*)\)", e.message)
            if not found:
                raise SystemExit("%s: no list of known options in: %s" % (m.name, e.message))
            keys = [] if found.group(1) == "none" else found.group(1).split(", ")
        types = {}
        for k in keys:
            try:
                call(m.name, args_with({k: GLib.Variant("n", 7)}), sig_in)
                raise SystemExit("%s accepted option %s as an int16" % (m.name, k))
            except GLib.Error as e:
                error_name(e)
                t = re.search(r"must be of type '([^']*)'", e.message)
                if not t:
                    raise SystemExit("%s option %s: no type in: %s" % (m.name, k, e.message))
                types[k] = t.group(1)
        obs["options"][m.name] = types

    sample()
    if with_session:
        # The demo playlist: a code for 1.5 s (auto_start starts a session), then the student.
        wait_for(lambda: state() == "framing", "State framing (the scanned code's session)")
        wait_for(lambda: sample().lookup_value("Framing", None).lookup_value("codes_in_view", None)
                 .unpack() == 0 and sample().lookup_value("Framing", None)
                 .lookup_value("n_faces", None) is not None
                 and sample().lookup_value("Framing", None).lookup_value("n_faces", None)
                 .unpack() > 0, "the student in view")
        spin(1.5)  # several analysed frames of the student, and a Stats tick
        sample()
        report = call_sampling("Capture", ({},), "(a{sv})").get_child_value(0)
        record("Dict Report", report)
        for p in report.lookup_value("photos", None).unpack():
            obs["checks"] += [c["name"] for c in p["checks"]]
        sample()
        call_sampling("Retake", None, None)
        sample()
        report = call_sampling("Capture", ({"force": GLib.Variant("b", True)},), "(a{sv})")
        record("Dict Report", report.get_child_value(0))
        sample()
        # The sample student's backdrop is grey: the candidate fails background_colour.
        try:
            call("Commit", ({},), "(a{sv})")
            raise SystemExit("Commit of a candidate with failed checks succeeded")
        except GLib.Error as e:
            error_name(e)
        rec = call_sampling("Commit", ({"override": GLib.Variant("b", True)},), "(a{sv})")
        record("Dict Record", rec.get_child_value(0))
        wait_for(lambda: obs.get("committed"), "the Committed signal")
        wait_for(lambda: state() == "idle", "State idle after the commit")
        # A session without a code (the student is in view, no code): scanning, then Cancel.
        spin(3.5)  # code_forget: the code of the committed session is long gone
        call_sampling("StartSession", ({"operator": GLib.Variant("s", "interface-doc")},),
                      "(a{sv})")
        wait_for(lambda: state() == "scanning", "State scanning")
        spin(1.2)
        sample()
        for method in ("Capture", "Retake"):
            try:
                call(method, ({},) if method == "Capture" else None,
                     "(a{sv})" if method == "Capture" else None)
            except GLib.Error as e:
                error_name(e)
        call_sampling("Cancel", None, None)
        wait_for(lambda: state() == "idle", "State idle after Cancel")
        for method in ("Retake", "Cancel"):
            try:
                call(method, None, None)
            except GLib.Error as e:
                error_name(e)
        records = call("ListRecords", ({},), "(a{sv})").get_child_value(0)
        for i in range(records.n_children()):
            record("Dict Record", records.get_child_value(i))
    else:
        spin(1.5)
        sample()
        try:
            call("StartSession", ({},), "(a{sv})")
        except GLib.Error as e:
            error_name(e)

    old = json.load(open(out_path)) if os.path.exists(out_path) else None
    if old:
        for k in ("dicts", "states", "hints", "errors", "checks", "unprobed"):
            obs[k] = old.get(k, []) + obs.get(k, [])
        for m, t in old["options"].items():
            obs["options"].setdefault(m, t)
    json.dump(obs, open(out_path, "w"))
    print("observed: %d dictionaries, states %s, %d errors"
          % (len(obs["dicts"]), sorted(set(obs["states"])), len(obs["errors"])))


# ---- the source ----


def read(root, rel):
    return open(os.path.join(root, rel), encoding="utf-8").read()


def source_facts(root):
    daemon_c = ""
    for d, _, files in os.walk(os.path.join(root, "daemon")):
        for f in files:
            if f.endswith(".c"):
                daemon_c += open(os.path.join(d, f), encoding="utf-8").read()
    hints = set(re.findall(r'\bhint_add\(\s*\w+,\s*"(\w+)"\s*\)', daemon_c))
    hints |= set(re.findall(r'\bg_ptr_array_add\(\s*hints,\s*"(\w+)"\s*\)', daemon_c))
    checks_c = read(root, "daemon/analysis/checks.c")
    checks = set(re.findall(r'\bcheck_add\(\s*checks,\s*"(\w+)"', checks_c))
    checks |= set(re.findall(r'BoothCheck \w+ = \{g_strdup\("(\w+)"\)', checks_c))
    return {
        "states": set(re.findall(r'\[BOOTH_STATE_\w+\]\s*=\s*"(\w+)"',
                                 read(root, "daemon/core/booth.c"))),
        "errors": set(re.findall(r'\[BOOTH_ERROR_\w+\]\s*=\s*"(org\.boothd\.Error\.\w+)"',
                                 read(root, "common/error.c"))),
        "hints": hints,
        "checks": checks,
    }


# Where each dictionary is made: a key that the document marks "(only ...)" and that no run
# showed must at least be one the source inserts there.
DICT_SOURCES = {
    "Property Session": ["daemon/bus/properties.c"],
    "Property Framing": ["daemon/bus/properties.c", "daemon/analysis/framing.c"],
    "Property Camera": ["daemon/bus/properties.c"],
    "Property Stats": ["daemon/bus/properties.c"],
    "Signal CodeScanned": ["daemon/bus/properties.c"],
    "Dict Record": ["daemon/bus/properties.c"],
    "Dict File": ["daemon/bus/properties.c"],
    "Dict Background": ["daemon/analysis/framing.c"],
    "Dict Exposure": ["daemon/analysis/framing.c"],
    "Dict Report": ["daemon/core/capture.c", "daemon/core/session.c"],
    "Dict Photo": ["daemon/core/capture.c"],
    "Dict Check": ["daemon/analysis/checks.c"],
}


# ---- the comparison ----


def parse_signature(sig):
    """'Name(in a{sv} options, out s id)' -> (name, [(dir, type, argname)])."""
    m = re.fullmatch(r"(\w+)\((.*)\)", sig or "")
    if not m:
        return None, None
    args = []
    for a in filter(None, (x.strip() for x in m.group(2).split(","))):
        parts = a.split()
        args.append(tuple(parts) if len(parts) == 3 else ("",) + tuple(parts))
    return m.group(1), args


def compare(doc, obs, src, root, counts=None, verbose=False):
    from gi.repository import Gio

    diff = []
    counts = counts if counts is not None else {}
    info = Gio.DBusNodeInfo.new_for_xml(obs["introspection"]).lookup_interface("org.boothd.Booth1")

    # Members and signatures.
    for kind, live in (("Method", info.methods), ("Signal", info.signals),
                       ("Property", info.properties)):
        documented = members(doc, kind)
        live_names = {m.name for m in live}
        for n in sorted(live_names - set(documented)):
            diff.append("%s %s: the daemon has it, the document does not" % (kind.lower(), n))
        for n in sorted(set(documented) - live_names):
            diff.append("%s %s: documented, the daemon has no such member" % (kind.lower(), n))
        counts[{"Property": "properties"}.get(kind, kind.lower() + "s")] = len(live_names)
        for m in live:
            if m.name not in documented:
                continue
            sig = documented[m.name]["signature"]
            if kind == "Property":
                access = {"read": "readonly", "write": "writeonly", "readwrite": "readwrite"}
                want = "%s %s %s" % (access[_access(m)], m.signature, m.name)
                got = sig
            else:
                if kind == "Method":
                    want_args = [("in", a.signature, a.name) for a in m.in_args] + \
                                [("out", a.signature, a.name) for a in m.out_args]
                else:
                    want_args = [("", a.signature, a.name) for a in m.args]
                want = "%s(%s)" % (m.name, ", ".join(" ".join(filter(None, a)) for a in want_args))
                name, args = parse_signature(sig)
                got = "%s(%s)" % (name, ", ".join(" ".join(filter(None, a)) for a in args)) \
                    if name else sig
            if got != want:
                diff.append("%s %s: documented as `%s`, the daemon has `%s`"
                            % (kind.lower(), m.name, sig, want))

    # Option keys and their types, both ways.
    for m in obs.get("unprobed", []):
        diff.append("method %s: its options could not be probed (an argument the probe cannot "
                    "make up): teach interface-doc.py" % m)
    methods = members(doc, "Method")
    n_options = 0
    for m in info.methods:
        if m.name not in methods:
            continue
        table = key_table(methods[m.name])
        live = obs["options"].get(m.name)
        if live is None and table is not None and not any(
                u.startswith(m.name + "(") for u in obs.get("unprobed", [])):
            diff.append("method %s: documents options, but takes no a{sv} options" % m.name)
            continue
        if live is None:
            continue
        table = table or {}
        n_options += len(live)
        for k in sorted(set(live) - set(table)):
            diff.append("method %s: option '%s' (%s) is not documented" % (m.name, k, live[k]))
        for k in sorted(set(table) - set(live)):
            diff.append("method %s: documented option '%s' is unknown to the daemon" % (m.name, k))
        for k in sorted(set(table) & set(live)):
            if table[k]["type"] != live[k]:
                diff.append("method %s: option '%s' documented as %s, the daemon takes %s"
                            % (m.name, k, table[k]["type"], live[k]))
            if not table[k]["default"]:
                diff.append("method %s: option '%s' has no default documented" % (m.name, k))
    counts["option keys"] = n_options

    # Dictionary keys, walked from each root along the document's links.
    seen = {}
    n_dicts = 0

    def walk(section, desc, where):
        nonlocal n_dicts
        n_dicts += 1
        sec = doc["sections"].get(section)
        table = key_table(sec) if sec else None
        if table is None:
            diff.append("%s: no key table '%s' in the document" % (where, section))
            return
        for k, v in desc["d"].items():
            seen.setdefault(section, set()).add(k)
            if k not in table:
                diff.append("%s: key '%s' (%s) is not documented under %s"
                            % (where, k, v["t"], section))
                continue
            if table[k]["type"] != v["t"]:
                diff.append("%s: key '%s' documented as %s, the daemon sends %s"
                            % (where, k, table[k]["type"], v["t"]))
            target = link_target(doc, table[k]["meaning"])
            if v["t"] == "a{sv}":
                if not target:
                    diff.append("%s: key '%s' is a dictionary, its entry links to none" % (where, k))
                else:
                    walk(target, v, "%s.%s" % (where, k))
            elif v["t"] == "aa{sv}":
                if not target:
                    diff.append("%s: key '%s' is a list of dictionaries, its entry links to none"
                                % (where, k))
                else:
                    for e in v["l"]:
                        walk(target, e, "%s.%s[]" % (where, k))

    for root_name, desc in obs["dicts"]:
        walk(root_name, desc, root_name)
    counts["dictionaries walked"] = n_dicts
    n_keys = 0
    source_only = []
    for section in sorted(s for s in doc["sections"] if s in DICT_SOURCES or s in seen):
        table = key_table(doc["sections"][section])
        if table is None:
            continue
        n_keys += len(table)
        text = "".join(read(root, f) for f in DICT_SOURCES.get(section, []))
        for k, e in table.items():
            if k in seen.get(section, set()):
                continue
            if not conditional(e["meaning"]):
                diff.append("%s: documented key '%s' was never seen (mark it \"(only ...)\" if it "
                            "is conditional)" % (section, k))
            elif '"%s"' % k in text:
                source_only.append("%s.%s" % (section.split(" ", 1)[1], k))
            else:
                diff.append("%s: conditional key '%s' is not made in %s"
                            % (section, k, ", ".join(DICT_SOURCES.get(section, ["(no source)"]))))
    for section in sorted(set(DICT_SOURCES) - set(doc["sections"])):
        diff.append("%s: the document has no such section" % section)
    counts["dictionary keys"] = n_keys
    counts["conditional keys not seen, found in the source"] = len(source_only)
    if source_only and verbose:
        print("# conditional keys not seen in this run, found in the source: " +
              ", ".join(source_only))

    # Names: states, hints, checks, errors.
    def names(h2, first, strip=""):
        return {cell(r[first]).replace(strip, "") for r in h2_table(doc, h2, first)}

    def both_ways(what, documented, source, origin, live=()):
        counts[what] = len(source)
        for n in sorted(source - documented):
            diff.append("%s '%s' (%s) is not documented" % (what[:-1], n, origin))
        for n in sorted(documented - source):
            diff.append("documented %s '%s' is not in %s" % (what[:-1], n, origin))
        for n in sorted(set(live) - documented - (source - documented)):
            diff.append("%s '%s' seen from the daemon is not documented" % (what[:-1], n))

    doc_states = names("STATES", "state")
    both_ways("states", doc_states, src["states"], "daemon/core/booth.c", obs["states"])
    for r in h2_table(doc, "STATES", "from"):
        for end in (cell(r["from"]), cell(r.get("to", ""))):
            if end not in doc_states:
                diff.append("transition %s -> %s: '%s' is not a documented state"
                            % (cell(r["from"]), cell(r.get("to", "")), end))
    moved = {cell(r[c]) for r in h2_table(doc, "STATES", "from") for c in ("from", "to")}
    for s in sorted(doc_states - moved):
        diff.append("state '%s' has no documented transition" % s)
    both_ways("hints", names("HINTS", "hint"), src["hints"], "hint_add()/hints in daemon/",
              obs["hints"])
    both_ways("checks", names("CHECKS", "check"), src["checks"], "daemon/analysis/checks.c",
              obs["checks"])
    doc_errors = names("ERRORS", "error")
    both_ways("errors", doc_errors, src["errors"], "common/error.c",
              [e for e in obs["errors"] if e.startswith("org.boothd.")])
    for m, s in members(doc, "Method").items():
        for e in s["errors"]:
            if "org.boothd.Error." + e not in doc_errors:
                diff.append("method %s lists error '%s', which ERRORS does not document" % (m, e))
    return list(dict.fromkeys(diff))  # once each, in the order found


def _access(prop):
    from gi.repository import Gio

    f = prop.flags
    r, w = bool(f & Gio.DBusPropertyInfoFlags.READABLE), bool(f & Gio.DBusPropertyInfoFlags.WRITABLE)
    return "readwrite" if r and w else "read" if r else "write"


def mutants(doc):
    """The document with one entry of each kind removed: each must make a difference."""
    def drop_section(kind):
        d = copy.deepcopy(doc)
        h = next(h for h in d["sections"] if h.startswith(kind + " "))
        del d["sections"][h]
        return "%s removed" % h, d

    def drop_row(h2, first):
        d = copy.deepcopy(doc)
        t = next(t for t in d["h2_tables"][h2] if t["header"][0] == first)
        return "%s %s removed" % (first, t["rows"].pop(0)[0]), d

    def drop_key(section, n=0):
        d = copy.deepcopy(doc)
        rows = d["sections"][section]["tables"][0]["rows"]
        return "%s key %s removed" % (section, rows.pop(n)[0]), d

    yield drop_section("Method")
    yield drop_section("Signal")
    yield drop_section("Property")
    yield drop_key("Method StartSession")
    yield drop_key("Property Stats")
    yield drop_key("Dict Check", 3)  # min: seen, though conditional
    yield drop_row("STATES", "state")
    yield drop_row("HINTS", "hint")
    yield drop_row("CHECKS", "check")
    yield drop_row("ERRORS", "error")
    d = copy.deepcopy(doc)
    d["sections"]["Method Capture"]["tables"][0]["rows"][0][1] = "u"
    yield "Capture's force documented as u", d


def main_compare(doc_path, root, obs_path):
    doc = parse_doc(doc_path)
    obs = json.load(open(obs_path))
    src = source_facts(root)
    counts = {}
    diff = compare(doc, obs, src, root, counts, verbose=True)
    print("# compared: " + ", ".join("%d %s" % (v, k) for k, v in counts.items()))
    empty = [k for k, v in counts.items() if v == 0 and not k.startswith("conditional")]
    if empty:
        diff.append("nothing compared for %s: the document or the source was not read as expected"
                    % ", ".join(empty))
    if diff:
        print("%s and the daemon differ (%d):" % (doc_path, len(diff)))
        for d in diff:
            print("  - " + d)
        return 1
    print("# the document and the daemon agree")
    blind = []
    for what, mutant in mutants(doc):
        found = compare(mutant, obs, src, root)
        print("# self-check, %s: %s" % (what, found[0] if found else "NOT NOTICED"))
        if not found:
            blind.append(what)
    if blind:
        print("the comparison does not notice: " + "; ".join(blind))
        return 1
    return 0


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "observe":
        observe(sys.argv[2], sys.argv[3], True)
    elif mode == "observe-idle":
        observe(sys.argv[2], sys.argv[3], False)
    elif mode == "compare":
        sys.exit(main_compare(sys.argv[2], sys.argv[3], sys.argv[4]))
    else:
        sys.exit(__doc__)
