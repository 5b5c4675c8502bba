/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boothd's messages are written for front-end authors: they name methods and option keys.
 * An operator at boothctl should read the boothctl command that does the same thing. */
#include "words.h"

#include <string.h>

/* Longest first where one phrase contains another. */
static const struct {
  const char *daemon, *boothctl;
} phrases[] = {
    {"StartSession with adopt=true and code gives it",
     "'boothctl start --adopt --code CODE' gives it"},
    {"call StartSession with adopt=true to continue it",
     "run 'boothctl start --adopt' to continue it"},
    {"StartSession with adopt=true to take it over", "'boothctl start --adopt' to take it over"},
    {"pass adopt=true to take it over", "take it over with 'boothctl start --adopt'"},
    {"call StartSession first", "run 'boothctl start' first"},
    {"Capture with force=true takes the photo anyway",
     "'boothctl capture --force' takes the photo anyway"},
    {"Capture with force=true takes it anyway", "'boothctl capture --force' takes it anyway"},
    {"Retake, or Commit with override=true to keep it anyway",
     "'boothctl retake', or keep it anyway with 'boothctl commit --override'"},
    {"Commit with override=true", "'boothctl commit --override'"},
    {"Commit or Cancel it first", "'boothctl commit' or 'boothctl cancel' it first"},
    {"Commit it or Retake", "'boothctl commit' it or 'boothctl retake'"},
    {"Cancel it to start a new one", "'boothctl cancel' it to start a new one"},
    {"Capture first", "'boothctl capture' first"},
};

char *
boothctl_words(const char *message)
{
  g_return_val_if_fail(message != NULL, NULL);
  GString *s = g_string_new(message);
  for (gsize i = 0; i < G_N_ELEMENTS(phrases); i++)
    g_string_replace(s, phrases[i].daemon, phrases[i].boothctl, 0);
  return g_string_free(s, FALSE);
}

/* Levenshtein distance, for did-you-mean; words here are short. */
static guint
distance(const char *a, const char *b)
{
  gsize la = strlen(a), lb = strlen(b);
  g_autofree guint *row = g_new(guint, lb + 1);
  for (gsize j = 0; j <= lb; j++)
    row[j] = (guint)j;
  for (gsize i = 1; i <= la; i++) {
    guint diag = row[0];
    row[0] = (guint)i;
    for (gsize j = 1; j <= lb; j++) {
      guint up = row[j];
      guint cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diag + cost);
      diag = up;
    }
  }
  return row[lb];
}

const char *
boothctl_closest(const char *word, const char *const *candidates)
{
  g_return_val_if_fail(word != NULL && candidates != NULL, NULL);
  const char *best = NULL;
  guint best_d = G_MAXUINT;
  for (gsize i = 0; candidates[i]; i++) {
    guint d = distance(word, candidates[i]);
    if (d < best_d) {
      best_d = d;
      best = candidates[i];
    }
  }
  /* A third of the word may be wrong: "captur", "--overide", "sesions". */
  return best && best_d <= MAX(1, strlen(word) / 3) ? best : NULL;
}
