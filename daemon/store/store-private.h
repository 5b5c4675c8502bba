/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals shared by the store's files: the handle, the statement cache and the small SQL
 * steps that commit, end and reconcile combine inside their own transactions. */
#pragma once

#include "durable.h"
#include "store.h"

#include <sqlite3.h>

/* The files-table profile of a kept candidate: "candidate/<profile>", or "candidate" alone for
 * the single candidate of boothd before it kept one per profile. A photo profile never holds
 * '/', so neither can be taken for a committed photo. */
#define BOOTH_STORE_CANDIDATE_PROFILE "candidate"

typedef enum {
  STMT_INSERT_SESSION,
  STMT_UPDATE_ACTIVE,
  STMT_STATUS,
  STMT_FINISH,
  STMT_SET_STATUS,
  STMT_APPEND_NOTE,
  STMT_INSERT_FILE,
  STMT_GET_SESSION,
  STMT_LIST_SESSIONS,
  STMT_LIST_AFTER,
  STMT_LIST_FILES,
  STMT_ALL_FILES,
  STMT_ACTIVE_IDS,
  STMT_N,
} BoothStoreStmt;

/* For the crash tests only (boothd never sets it): called after each durable step of a commit,
 * of its completion at start-up and of a candidate save, named ("photo-written",
 * "intent-written", "recorded", "candidates-cleared"...), so that a test can kill the process
 * exactly there. */
typedef void (*BoothStoreStepHook)(const char *step, gpointer data);

struct BoothStore {
  char *dir; /* absolute */
  char *db_path;
  sqlite3 *db;
  BoothDir *root;
  BoothDir *photos;
  BoothDir *candidates;
  BoothDir *abandoned;
  BoothDir *commits;
  int lock_fd;                 /* holds the state folder's flock while open */
  sqlite3_stmt *stmts[STMT_N]; /* prepared on first use */
  BoothStoreStepHook step_hook;
  gpointer step_data;
};

/* Marks a durable step done; the crash tests' hook may end the process there. Returns TRUE,
 * so that it chains after the step: ok = ok && booth_dir_sync(...) && booth_store_step(...) */
static inline gboolean
booth_store_step(BoothStore *s, const char *step)
{
  if (s->step_hook)
    s->step_hook(step, s->step_data);
  return TRUE;
}

/* A statement borrowed from the cache. g_auto() resets it at scope exit, which ends any read
 * it holds open; its bindings are cleared when it is borrowed next. */
typedef sqlite3_stmt *BoothStoreStmtRef;
G_DEFINE_AUTO_CLEANUP_FREE_FUNC(BoothStoreStmtRef, sqlite3_reset, NULL)

sqlite3_stmt *booth_store_stmt(BoothStore *store, BoothStoreStmt id, GError **error);

/* Sets error from the connection's last failure ("cannot <doing> in <db>: <why> — <advice>")
 * and returns FALSE. Call it before a rollback, which would replace the reason. */
gboolean booth_store_db_fail(BoothStore *store, const char *doing, GError **error);
/* What an operator can do about SQLite error `code`, given the errno (0 if none) with which
 * writing to the state folder fails. */
const char *booth_store_db_advice(int code, int errsv);

gboolean booth_store_txn_begin(BoothStore *store, GError **error);
gboolean booth_store_txn_commit(BoothStore *store, GError **error);
void booth_store_txn_rollback(BoothStore *store);

/* TRUE with *status NULL when there is no such session. */
gboolean booth_store_db_status(BoothStore *store, const char *session_id, char **status,
                               GError **error);
/* NO_SESSION or BAD_STATE unless the session exists and is active. */
gboolean booth_store_require_active(BoothStore *store, const char *session_id, GError **error);
gboolean booth_store_db_insert_session(BoothStore *store, const BoothRecord *rec,
                                       const char *status, GError **error);
gboolean booth_store_db_insert_file(BoothStore *store, const char *session_id,
                                    const BoothRecordFile *file, GError **error);
/* Ends an active session: status, ended_at, attempts; checks, overrides and note unless NULL.
 * BAD_STATE when the session is not active (any more). */
gboolean booth_store_finish_row(BoothStore *store, const char *session_id, const char *status,
                                gint64 ended_at, guint attempts, const char *checks,
                                const char *overrides, const char *note, GError **error);
/* Sets status and ended_at and appends note to the session's note. */
gboolean booth_store_db_set_status(BoothStore *store, const char *session_id, const char *status,
                                   gint64 ended_at, const char *note, GError **error);
/* Appends note unless the session's note already holds it. */
gboolean booth_store_db_append_note(BoothStore *store, const char *session_id, const char *note,
                                    GError **error);

gboolean booth_store_id_is_valid(const char *session_id);
gboolean booth_store_profile_is_valid(const char *profile);
gboolean booth_store_check_id(const char *session_id, GError **error);
gboolean booth_store_check_profile(const char *profile, GError **error);

/* Column i as a new string; NULL for SQL NULL. */
char *booth_store_column_dup(sqlite3_stmt *st, int i);
/* A stored path made absolute again. */
char *booth_store_path_from_db(BoothStore *store, const char *stored);

/* A path as the files table keeps it: relative to the state folder when inside it. */
char *booth_store_stored_path(BoothStore *store, const char *path);

/* "<id>_<profile>.jpg": a photo in photos/, a candidate in candidates/ or abandoned/. */
char *booth_store_photo_name(const char *session_id, const char *profile);
/* Parses a name boothd gives a photo or candidate: "<id>_<profile>.jpg" sets both,
 * "<id>.jpg" (a candidate of boothd before it kept one per profile) sets *profile NULL. */
gboolean booth_store_parse_name(const char *name, char **session_id, char **profile);
/* The files-table profile of the kept candidate named name; NULL when booth_store_parse_name()
 * refuses the name. */
char *booth_store_kept_profile(const char *name);
/* The names of the session's candidates in dir (candidates/ or abandoned/), both layouts,
 * sorted. */
GPtrArray *booth_store_candidate_names(BoothDir *dir, const char *session_id, GError **error);

/* Reads dir/name and describes it: absolute path, size, SHA-256, JPEG size when the frame
 * header says it (quality is not known from the file and stays 0). */
BoothRecordFile *booth_store_describe_file(BoothDir *dir, const char *name, const char *profile,
                                           GError **error);

/* Width and height from a JPEG's frame header; FALSE when the data has none. */
gboolean booth_jpeg_read_size(const guint8 *data, gsize len, int *width, int *height);

/* Appends "; consequence" to an error's message: what did or did not happen because of it. */
void booth_store_error_add(GError **error, const char *consequence);

/* One photo of a commit in progress: its temporary name in photos/ and the file it becomes. */
typedef struct {
  char *temp;
  BoothRecordFile *file; /* profile, final path, sha256, bytes, width, height, quality */
} BoothIntentPhoto;

/* What a commit is about to make visible (intent.c): all that start-up needs to finish it as
 * booth_store_commit() would have, or to undo it. The code is in the session's row already. */
typedef struct {
  char *session_id;
  gint64 ended_at;
  guint attempts;
  char *checks_json; /* these three: NULL keeps the stored text */
  char *overrides;
  char *note;
  GPtrArray *photos; /* of BoothIntentPhoto*, owned; at least one */
} BoothIntent;

/* The intent of committing rec at ended_at, with no photo yet. */
BoothIntent *booth_intent_new(const BoothRecord *rec, gint64 ended_at);
void booth_intent_free(BoothIntent *intent);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothIntent, booth_intent_free)
/* Takes temp and file. */
void booth_intent_add_photo(BoothIntent *intent, char *temp, BoothRecordFile *file);

/* Writes commits/<id>.intent durably: temporary file, fsync, rename, fsync of commits/. */
gboolean booth_store_intent_write(BoothStore *store, const BoothIntent *intent, GError **error);
/* Reads commits/<name>, refusing an intent that is not the session's its name gives or that
 * names files other than those boothd gives the session's photos. */
BoothIntent *booth_store_intent_read(BoothStore *store, const char *name, GError **error);
/* One transaction: the session committed with the intent's fields and files, and note
 * appended to its note unless NULL. BAD_STATE when the session is not active. */
gboolean booth_store_db_commit(BoothStore *store, const BoothIntent *intent, const char *note,
                               GError **error);
/* Removes the session's intent; none is fine. commits/ is not synced: an intent that comes
 * back after a power cut is of a commit already recorded or undone, which start-up tells
 * from the session's status and its photos, and removes. */
gboolean booth_store_intent_remove(BoothStore *store, const char *session_id, GError **error);
