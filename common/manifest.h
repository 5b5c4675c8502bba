/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The manifest of an export batch, one format for a booth's export and the collection's:
 * - manifest.csv: UTF-8 with a byte-order mark (a spreadsheet then shows Chinese text as it
 *   is), RFC 4180 quoting, CRLF line ends, one row per photo: the fixed columns below, then a
 *   value and a verdict column for every check named in the batch;
 * - manifest.json: the same rows, typed (numbers as numbers, the checks as objects);
 * - SHA256SUMS: "<sha256>  <file>" for every photo and both manifests, as `sha256sum -c`
 *   reads it.
 * The capture code is given always as hex, and also as text when it is text: valid UTF-8
 * without control characters that does not start with = + - @ (which a spreadsheet would
 * run as a formula); the text column is then empty and the hex alone holds the code.
 * Times are local, ISO 8601 with the offset (2026-06-18T08:31:07+08:00). */
#pragma once

#include <glib.h>

typedef enum {
  BOOTH_VERDICT_PASS,
  BOOTH_VERDICT_FAIL,
  BOOTH_VERDICT_OVERRIDDEN, /* failed, committed by the operator's override */
} BoothVerdict;

typedef struct {
  char *name;
  gboolean has_value;
  double value;
  char *unit; /* "" when none */
  BoothVerdict verdict;
} BoothManifestCheck;

typedef struct {
  char *booth; /* the booth's id */
  char *room;  /* may be NULL */
  char *session_id;
  GBytes *code;
  char *profile;
  char *file; /* the photo's name in the batch: <session>_<profile>.jpg */
  gint64 bytes;
  char *sha256;                             /* lowercase hex */
  gint64 started_at, code_at, committed_at; /* unix microseconds; 0 when not known */
  guint attempts;
  char *operator_name; /* may be NULL */
  GPtrArray *checks;   /* BoothManifestCheck*, in the order the profile lists them */
  char *source;        /* where the exporter reads the photo from; not in the manifest */
} BoothManifestRow;

BoothManifestRow *booth_manifest_row_new(void);
void booth_manifest_row_free(BoothManifestRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothManifestRow, booth_manifest_row_free)
/* Appends a check to row. */
void booth_manifest_row_add_check(BoothManifestRow *row, const char *name, gboolean has_value,
                                  double value, const char *unit, BoothVerdict verdict);

const char *booth_verdict_name(BoothVerdict v);
/* The code as the manifest gives it: text (NULL when it is not text by the rule above). */
char *booth_manifest_code_text(GBytes *code);

typedef struct BoothManifest BoothManifest;

/* batch: the batch's id, written into manifest.json. */
BoothManifest *booth_manifest_new(const char *batch, gint64 created_at);
void booth_manifest_free(BoothManifest *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothManifest, booth_manifest_free)
/* A manifest of rows (BoothManifestRow*), which it keeps a reference to. */
BoothManifest *booth_manifest_new_with_rows(const char *batch, gint64 created_at, GPtrArray *rows);
/* Takes row. */
void booth_manifest_add(BoothManifest *m, BoothManifestRow *row);
guint booth_manifest_rows(BoothManifest *m);
/* The sessions of rows (BoothManifestRow*) whose rows of one session stand together. */
guint booth_manifest_count_sessions(GPtrArray *rows);

/* The three texts, for a caller that writes them itself (tests; sizes). */
GString *booth_manifest_csv(BoothManifest *m);
GString *booth_manifest_json(BoothManifest *m);
/* SHA256SUMS over the rows' photos and the two manifests given. */
GString *booth_manifest_sums(BoothManifest *m, const GString *csv, const GString *json);

/* Writes manifest.csv, manifest.json and SHA256SUMS into the folder dirfd (new files, each
 * fsynced; the folder itself is not). A failure is BOOTH_ERROR_STORAGE naming the file and the
 * system's reason, with errno_out (may be NULL) set to it; a file it made stays for the caller
 * to remove with the folder. */
gboolean booth_manifest_write(BoothManifest *m, int dirfd, const char *dir_label, int *errno_out,
                              GError **error);

/* Local ISO 8601 time with offset; "" for 0. */
char *booth_iso_time(gint64 unix_us);
