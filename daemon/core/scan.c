/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Scan intake: every analysed frame's framing and codes. The framing and its hints are kept
 * for adapters; codes go through the intake (core/intake.h), which says whether a code is
 * new, starts a session or belongs to the open one; new codes are reported to listeners. */
#include "analysis/code.h"
#include "analysis/qr.h"
#include "core/booth-private.h"
#include "log.h"

static void
framing_update(Booth *b, const BoothAnalysis *result)
{
  if (b->framing)
    g_variant_unref(b->framing);
  b->framing = g_variant_ref_sink(booth_framing_to_variant(&result->framing));
  g_strfreev(b->framing_hints);
  b->framing_hints = g_new0(char *, result->framing.n_hints + 1);
  for (int i = 0; i < result->framing.n_hints; i++)
    b->framing_hints[i] = g_strdup(result->framing.hints[i]);
  b->framing_score = result->framing.score;
}

/* The frame goes to the preview with its own analysis; the live framing is measured for the
 * booth's first profile, so its bands draw the guides. */
static void
preview_push(Booth *b, const BoothAnalysis *result)
{
  if (!result->frame)
    return;
  BoothPreviewOverlay ov;
  booth_preview_overlay_init(&ov, &result->framing,
                             g_ptr_array_index(b->config->loaded_profiles, 0));
  booth_preview_push(b->preview, result->frame, &ov);
}

/* The codes the intake has not seen before, valid ones only; invalid ones are refused once
 * (logged) and never attach to anything while they stay in view. */
static GPtrArray *
fresh_codes(Booth *b, const BoothAnalysis *result, gint64 now)
{
  g_autoptr(GPtrArray) data = g_ptr_array_new();
  for (guint i = 0; i < result->codes->len; i++)
    g_ptr_array_add(data, ((BoothQrCode *)g_ptr_array_index(result->codes, i))->data);
  GPtrArray *fresh = booth_intake_frame(b->intake, (GBytes *const *)data->pdata, data->len, now);
  for (guint i = 0; i < fresh->len;) {
    GBytes *code = fresh->pdata[i];
    g_autoptr(GError) error = NULL;
    g_autofree char *shown = booth_code_to_display(code, 48);
    if (!booth_code_validate(code, (gsize)b->config->code_max_bytes, &error)) {
      booth_warn("qr", "ignored a QR code (%s): %s", shown, error->message);
      booth_intake_mark_refused(b->intake, code, now);
      g_ptr_array_remove_index(fresh, i);
      continue;
    }
    b->counters.codes_scanned++;
    const BoothSession *s = b->session;
    if (s && !(s->code && g_bytes_equal(s->code, code)))
      booth_notice("qr", "code %s scanned during session %s: signalled", shown, s->id);
    else
      booth_info("qr", "code %s scanned", shown);
    i++;
  }
  return fresh;
}

void
booth_scan_on_analysis(BoothAnalysis *r, gpointer user_data)
{
  Booth *b = user_data;
  g_autoptr(BoothAnalysis) result = r;
  gint64 now = g_get_monotonic_time();
  b->last_frame_mono = now;
  framing_update(b, result);
  preview_push(b, result);

  g_autoptr(GPtrArray) fresh = fresh_codes(b, result, now);
  gboolean in_session = b->session != NULL;
  booth_session_take_code(b, now);
  const BoothSession *s = b->session;
  for (guint i = 0; i < result->codes->len; i++) {
    const BoothQrCode *c = g_ptr_array_index(result->codes, i);
    guint at;
    if (!g_ptr_array_find_with_equal_func(fresh, c->data, g_bytes_equal, &at))
      continue;
    g_ptr_array_remove_index(fresh, at); /* once, even when a frame shows it twice */
    gboolean started = !in_session && s && s->code && g_bytes_equal(s->code, c->data);
    BoothCodeEvent ev = {
        c->data, c->x, c->y, c->width, c->height, in_session, started ? s->id : NULL};
    booth_emit_code_scanned(b, &ev);
  }

  booth_update_hints(b);
  booth_changed(b, BOOTH_CHANGE_FRAMING);
}
