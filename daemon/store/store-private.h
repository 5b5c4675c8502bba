/* Internals shared by the store's files: the handle, the statement cache and the small SQL
 * steps that commit, end and reconcile combine inside their own transactions. */
#pragma once

#include "durable.h"
#include "store.h"

#include <sqlite3.h>

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
  STMT_LIST_FILES,
  STMT_ALL_FILES,
  STMT_ACTIVE_IDS,
  STMT_N,
} BoothStoreStmt;

struct BoothStore {
  char *dir; /* absolute */
  char *db_path;
  sqlite3 *db;
  BoothDir *root;
  BoothDir *photos;
  BoothDir *candidates;
  BoothDir *abandoned;
  sqlite3_stmt *stmts[STMT_N]; /* prepared on first use */
};

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

/* A path as the files table keeps it: relative to the state folder when inside it. */
char *booth_store_stored_path(BoothStore *store, const char *path);

char *booth_store_photo_name(const char *session_id, const char *profile);
char *booth_store_candidate_name(const char *session_id);

/* Reads dir/name and describes it: absolute path, size, SHA-256, JPEG size when the frame
 * header says it (quality is not known from the file and stays 0). */
BoothRecordFile *booth_store_describe_file(BoothDir *dir, const char *name, const char *profile,
                                           GError **error);

/* Width and height from a JPEG's frame header; FALSE when the data has none. */
gboolean booth_jpeg_read_size(const guint8 *data, gsize len, int *width, int *height);

/* Appends "; consequence" to an error's message: what did or did not happen because of it. */
void booth_store_error_add(GError **error, const char *consequence);
