/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The shipping of one booth's committed records and photos to the central PostgreSQL.
 * What it promises:
 * - exactly once: every committed record boothd lists reaches the central booth.sessions and
 *   booth.photos, keyed by (booth id, session id) with INSERT ... ON CONFLICT DO NOTHING, and
 *   is marked synced here (sync.db in the state folder, SQLite, synchronous=FULL) only after
 *   the central COMMIT of a transaction that also read back what the server holds for it: the
 *   same code and every photo's SHA-256 and size. A crash or a lost connection at any point
 *   leaves a record either unmarked (sent again, which adds nothing) or marked and central;
 * - a photo goes only when the file's bytes hash to the SHA-256 and size boothd recorded, and
 *   the server checks the SHA-256 again (sha256() in a CHECK constraint) in the same
 *   transaction; a damaged file stays pending with an error that names it;
 * - bounded memory: records are listed a page at a time (ListRecords with started_after) and
 *   only the pending sessions' ids are kept; one session's photos are in memory at a time;
 * - the booth's identity comes from the server (booth.current_booth() for the login role); a
 *   state folder that synced one booth refuses to sync as another.
 * Records are read from boothd over D-Bus (org.boothd.Booth1.ListRecords), photos read-only
 * from the paths the records give (boothsync's user is in boothd's group). booth_sync_pass()
 * blocks (D-Bus calls and libpq) and is meant for a worker thread; booth_sync_get_progress()
 * may be called from any thread. */
#pragma once

#include <gio/gio.h>

typedef struct BoothSync BoothSync;

typedef struct {
  const char *conninfo;  /* libpq connection string: host, dbname, user, sslmode... */
  const char *state_dir; /* boothsync's own folder: sync.db */
  GDBusConnection *bus;  /* where org.boothd.Booth1 is */
  guint batch;           /* sessions per central transaction, 1 or more */
  guint io_timeout;      /* seconds a central call may take before it counts as lost */
} BoothSyncOptions;

typedef struct {
  char *state;         /* "starting", "syncing", "idle", "retrying" */
  char *booth_id;      /* "" until the server told it */
  guint64 synced;      /* records marked synced in the state folder, all time */
  guint pending;       /* committed records not yet synced, as of the latest listing */
  gint64 synced_up_to; /* commit time of the newest record with every older one synced; 0 */
  gint64 last_sync_at; /* when the latest central COMMIT landed; 0 */
  gint64 lag;          /* now minus the commit time of the oldest pending record; 0 */
  char *last_error;    /* "" when the latest pass went through */
  gint64 last_error_at;
  guint64 sent_sessions; /* this run: sessions committed centrally */
  double sent_seconds;   /* this run: time spent shipping them */
} BoothSyncProgress;

void booth_sync_progress_clear(BoothSyncProgress *p);

/* Opens (creates) the state folder's sync.db. */
BoothSync *booth_sync_new(const BoothSyncOptions *options, GError **error);
void booth_sync_free(BoothSync *sync);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothSync, booth_sync_free)

/* Lists the committed records not yet synced and ships them. full: from the first record
 * boothd holds, not from the synced low-water mark (at start-up, and now and then, so a
 * record whose start time went backwards with the clock is not missed). Returns FALSE with
 * the reason when it stopped before the end (boothd or the database unreachable, a refused
 * row, a damaged photo); what was committed centrally before that stays marked. */
gboolean booth_sync_pass(BoothSync *sync, gboolean full, GError **error);

/* Asks a pass in progress to stop after its current transaction (any thread). */
void booth_sync_stop(BoothSync *sync);

/* A copy of the progress (any thread); clear it with booth_sync_progress_clear(). */
void booth_sync_get_progress(BoothSync *sync, BoothSyncProgress *out);

/* Called from the worker whenever progress changes; any thread. */
typedef void (*BoothSyncChanged)(gpointer data);
void booth_sync_set_changed(BoothSync *sync, BoothSyncChanged changed, gpointer data);
