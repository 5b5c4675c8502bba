/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The record store: committed photos and the session records that link them to the exact
 * capture-code bytes. What it promises:
 * - a commit is durable before it returns TRUE (files fsynced and renamed, folder fsynced,
 *   then one SQLite transaction in WAL mode with synchronous=FULL), and a failed commit leaves
 *   nothing half-visible: no new file, no changed record, the candidates still there;
 * - a commit is whole or absent, for all its photos together, whatever point a crash stops it
 *   at: an intent naming every photo is durable before the first one takes its real name, and
 *   start-up finishes the commit from it (every photo, the checks, overrides and note) or,
 *   when a photo it names is missing or damaged, undoes it. A committed record never lacks
 *   a photo it was committed with;
 * - every profile of a capture has its durable candidate, and a capture's candidates replace
 *   the previous capture's together: the session's candidates in candidates/ are never two
 *   captures' at once, whatever point a crash stops a save at;
 * - nothing captured is lost: an abandoned or interrupted session keeps every candidate in
 *   abandoned/, each recorded like any other file;
 * - booth_store_reconcile() repairs, at start-up, whatever a crash left behind, and reports
 *   every repair; it reads the single candidate (<id>.jpg) that boothd kept before it kept
 *   one per profile, so a booth upgraded mid-day loses nothing.
 * Layout of the state folder: records.db, photos/<id>_<profile>.jpg,
 * candidates/<id>_<profile>.jpg, abandoned/<id>_<profile>.jpg, commits/<id>.intent (only
 * while a commit is in progress or after a crash). File names come from the session id and
 * profile only, never the code.
 * A store is used from one thread at a time, booth_store_open_candidate() excepted. Every
 * storage failure is BOOTH_ERROR_STORAGE with the path, the system's reason and what to do
 * about it. */
#pragma once

#include <glib.h>

typedef struct {
  /* "chsi-upload"; "candidate/chsi-upload" for a kept candidate of that profile; "candidate"
   * for the single candidate kept by boothd before it kept one per profile */
  char *profile;
  char *path;   /* absolute */
  char *sha256; /* lowercase hex */
  gint64 bytes;
  int width, height, quality; /* 0 when not known */
} BoothRecordFile;

typedef struct {
  char *session_id;    /* [A-Za-z0-9-]{1,64} */
  GBytes *code;        /* the capture code, byte for byte; NULL while there is none */
  char *operator_name; /* may be NULL */
  char *profile;       /* may be NULL */
  char *status;        /* active, committed, cancelled, abandoned, interrupted, recovered */
  gint64 started_at;   /* unix time, microseconds */
  gint64 ended_at;     /* 0 while active */
  guint attempts;      /* captures taken */
  char *checks_json;   /* the check report, opaque here; may be NULL */
  char *overrides;     /* check names committed with override, comma-separated; may be NULL */
  char *note;          /* repairs, abandon reason; may be NULL */
  gint64 code_at;      /* when the session got its code (unix us); 0: no code, or not known */
  char *exported;      /* the last export batch that held it; NULL: never exported */
  GPtrArray *files;    /* of BoothRecordFile*, owned */
} BoothRecord;

BoothRecordFile *booth_record_file_new(void);
void booth_record_file_free(BoothRecordFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothRecordFile, booth_record_file_free)

BoothRecord *booth_record_new(void);
void booth_record_free(BoothRecord *rec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothRecord, booth_record_free)

/* One encoded photo handed to booth_store_commit() or booth_store_save_candidate(). */
typedef struct {
  const char *profile; /* [A-Za-z0-9_-]{1,64} */
  GBytes *jpeg;
  int width, height, quality;
} BoothPhotoOut;

typedef struct BoothStore BoothStore;

/* Creates the state folder (0750) and its subfolders if missing, proves each is writable
 * and opens records.db. A damaged records.db is reported by name and never touched. */
BoothStore *booth_store_open(const char *state_dir, GError **error);
void booth_store_free(BoothStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothStore, booth_store_free)

/* The absolute state folder. */
const char *booth_store_get_dir(BoothStore *store);

/* Records a new active session from rec (its status is ignored; started_at 0 means now).
 * An id already used -> BOOTH_ERROR_BAD_STATE. */
gboolean booth_store_begin(BoothStore *store, const BoothRecord *rec, GError **error);

/* Updates an active session from rec: code, operator, profile, checks, overrides and note
 * when they are not NULL (a NULL never erases a stored code), attempts always.
 * Unknown id -> BOOTH_ERROR_NO_SESSION; not active -> BOOTH_ERROR_BAD_STATE. */
gboolean booth_store_update(BoothStore *store, const BoothRecord *rec, GError **error);

/* Writes candidates/<id>_<profile>.jpg durably for every photo (width, height and quality
 * are not kept), replacing every earlier candidate of the session: all the new files reach
 * the disk under temporary names, then the earlier candidates are removed, durably, then the
 * new ones take their names, so a crash leaves the earlier capture's candidates or some of
 * this one's, never both. The session must be active. path_out (may be NULL) gets the
 * absolute path of photos[0]'s candidate. A failure leaves no new candidate, and the earlier
 * ones unless it came after they were removed. */
gboolean booth_store_save_candidate(BoothStore *store, const char *session_id,
                                    const BoothPhotoOut *photos, guint n_photos, char **path_out,
                                    GError **error);

/* Removes every candidate of the session; having none is fine. */
gboolean booth_store_discard_candidate(BoothStore *store, const char *session_id, GError **error);

/* The session's candidate of profile, opened read-only (O_RDONLY|O_CLOEXEC|O_NOFOLLOW), or -1:
 * BAD_STATE when there is none, STORAGE when it cannot be opened. A candidate is never
 * rewritten in place, only replaced by a rename or removed, so the fd keeps the very bytes it
 * opened. Safe from any thread while the store is open: it resolves one name against the
 * candidates folder's descriptor, which does not change until booth_store_free(), and touches
 * neither the database nor any other state. */
int booth_store_open_candidate(BoothStore *store, const char *session_id, const char *profile,
                               GError **error);

/* Commits the active session rec->session_id with its photos (at least one, one per
 * profile): files first (temporary files, then the intent, then their real names), then one
 * transaction that sets status committed with ended_at, attempts, checks, overrides and note
 * (NULL keeps the stored text; given, they must be UTF-8) and records the files.
 * On success rec->files, rec->status and rec->ended_at are filled and the candidates are
 * removed. Not active -> BOOTH_ERROR_BAD_STATE and no file is touched. */
gboolean booth_store_commit(BoothStore *store, BoothRecord *rec, const BoothPhotoOut *photos,
                            guint n_photos, GError **error);

/* Ends an active session as "cancelled" (its candidates are deleted: the operator chose to
 * discard them) or "abandoned" (each candidate moves to abandoned/<id>_<profile>.jpg and is
 * recorded as a file with profile "candidate/<profile>"). note NULL keeps the stored note. */
gboolean booth_store_end(BoothStore *store, const char *session_id, const char *status,
                         const char *note, guint attempts, GError **error);

/* Records with their files, newest first; limit 0 means all; status NULL means any. */
GPtrArray *booth_store_list(BoothStore *store, guint limit, const char *status, GError **error);

/* Records that started after started_after (unix microseconds), oldest first: a reader pages
 * forward by passing the last record's started_at. limit 0 means all; status NULL means any. */
GPtrArray *booth_store_list_after(BoothStore *store, gint64 started_after, guint limit,
                                  const char *status, GError **error);

/* NULL with BOOTH_ERROR_NO_SESSION if the id is unknown. */
BoothRecord *booth_store_get(BoothStore *store, const char *session_id, GError **error);

/* ---- export (store/export.c) ---- */

typedef struct {
  gint64 since;    /* committed at or after (unix us); 0: any time */
  char **sessions; /* only these sessions (each must be committed); NULL: every one */
  gboolean all;    /* also the sessions exported before */
} BoothExportQuery;

/* The photos of the committed sessions the query selects, one BoothManifestRow each
 * (common/manifest.h; booth and room left NULL), oldest commit first, with every check of the
 * photo's profile and its verdict. A session named in query->sessions that is unknown is
 * NO_SESSION, one not committed BAD_STATE. */
GPtrArray *booth_store_export_rows(BoothStore *store, const BoothExportQuery *query,
                                   GError **error);

/* Marks the rows' sessions exported in batch and records the batch, in one transaction. */
gboolean booth_store_export_mark(BoothStore *store, const char *batch, gint64 created_at,
                                 GPtrArray *rows, GError **error);

/* Writes a batch into the folder dirfd (dir_label names it in messages): first removes the
 * partial batches an interrupted export left there (their names are added to cleaned), checks
 * that the folder is writable and has room for the batch, then writes the photos (each read
 * from rows' source and proved against its SHA-256) and the manifest into a hidden folder
 * ".<batch>.partial", fsyncs every file and the folder, and renames it to batch: the batch is
 * there whole or not at all. Any failure removes what it wrote and is BOOTH_ERROR_STORAGE,
 * saying what to do: a missing or damaged photo is named, a full folder gives the space the
 * batch needs. Runs on any thread; touches no record. */
gboolean booth_export_write(int dirfd, const char *dir_label, const char *batch, gint64 created_at,
                            GPtrArray *rows, GPtrArray *cleaned, gint64 *bytes_out, GError **error);

/* The sessions started in [from, to) (unix microseconds) as the day report counts them
 * (BoothReportSession*, common/report.h), oldest first. */
GPtrArray *booth_store_report_sessions(BoothStore *store, gint64 from, gint64 to, GError **error);

/* Repairs what a crash left behind; run once at start-up before any session begins.
 * Appends one line (char*) per repair or problem to report and logs it. Returns FALSE only
 * when the records themselves cannot be read or written. */
gboolean booth_store_reconcile(BoothStore *store, GPtrArray *report, GError **error);
