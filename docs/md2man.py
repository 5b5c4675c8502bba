#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The man page from docs/org.boothd.Booth1.md: md2man.py IN.md OUT.5 VERSION.

Debian 12 has pandoc, go-md2man and ronn, but none is a build dependency of boothd, and the
page uses a small part of Markdown: headings, paragraphs, indented code, "- " lists, pipe
tables, `code`, **bold** and [links](#anchor). A table becomes a tagged list: the first
column is the tag, type/default/unit/to follow it, the other columns are its text. Columns
headed in another script than Latin are left out (groff has no CJK glyphs on Debian 12)."""
import re
import sys

SHORT = ("to", "type", "default", "unit")


def inline(text):
    text = text.replace("\\", "\\e").replace(" - ", " \\- ")
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"`([^`]*)`", lambda m: "\\fB" + m.group(1).replace("-", "\\-") + "\\fR", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"\\fB\1\\fR", text)
    return text


def line(text):
    """A text line roff does not read as a request."""
    return "\\&" + text if text[:1] in (".", "'") else text


def table(rows, out):
    # A column headed in another script (the hints' Chinese sentences) stays in the Markdown
    # only: groff on Debian 12 has no CJK glyphs for the terminal.
    keep = [i for i, h in enumerate(rows[0]) if h.isascii()]
    rows = [[r[i] for i in keep if i < len(r)] for r in rows]
    header = [h.lower() for h in rows[0]]
    for r in rows[1:]:
        cells = dict(zip(header, r))
        tag = "\\fB" + r[0].strip("`").replace("-", "\\-") + "\\fR"
        if header[0] == "from":
            tag += " \\(-> \\fB%s\\fR" % cells["to"].strip("`")
        extra = []
        for h in ("type", "unit", "default"):
            if h in header[1:] and cells.get(h):
                extra.append(inline(cells[h]) if h != "default" else "default " + inline(cells[h]))
        rest = [h for h in header[1:] if h not in SHORT]
        out.append(".TP")
        out.append(line(tag + (" (" + "; ".join(extra) + ")" if extra else "")))
        for i, h in enumerate(rest):
            if i:
                out.append(".br")
            prefix = h.capitalize() + ": " if len(rest) > 1 else ""
            out.append(line(prefix + inline(cells.get(h, ""))))


def convert(src, version):
    src = re.sub(r"<!--.*?-->\n?", "", src, flags=re.S)
    lines = src.split("\n")
    out = []
    para = []

    def flush():
        if para:
            out.append(".PP")
            out.extend(line(inline(p)) for p in para)
            para.clear()

    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.startswith("# "):
            m = re.fullmatch(r"# (\S+)\((\d)\)", ln.strip())
            title, section = m.group(1), m.group(2)
            out.append('.TH "%s" "%s" "" "boothd %s" "boothd"' % (title.upper(), section, version))
        elif ln.startswith("## "):
            flush()
            out.append('.SH "%s"' % ln[3:].strip().upper())
        elif ln.startswith("### "):
            flush()
            out.append('.SS "%s"' % ln[4:].strip())
        elif ln.startswith("    "):
            flush()
            out += [".PP", ".RS 4", ".nf"]
            while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                if lines[i].strip() or (i + 1 < len(lines) and lines[i + 1].startswith("    ")):
                    out.append(line(lines[i][4:].replace("\\", "\\e")))
                i += 1
            out += [".fi", ".RE"]
            continue
        elif ln.startswith("- "):
            flush()
            item = [ln[2:]]
            i += 1
            while i < len(lines) and lines[i].startswith("  ") and lines[i].strip():
                item.append(lines[i].strip())
                i += 1
            out.append(".IP \\(bu 2")
            out.extend(line(inline(p)) for p in item)
            continue
        elif ln.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                    rows.append(cells)
                i += 1
            table(rows, out)
            continue
        elif not ln.strip():
            flush()
        else:
            para.append(ln.strip())
        i += 1
    flush()
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    text = open(sys.argv[1], encoding="utf-8").read()
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write(convert(text, sys.argv[3]))
