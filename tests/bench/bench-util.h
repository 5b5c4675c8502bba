/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What every bench reads its figures with: the calling thread's CPU time, and medians and
 * percentiles of samples (sorted in place). */
#pragma once

#include <glib.h>
#include <time.h>

/* CPU time of the calling thread, in milliseconds. */
static inline double
cpu_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static inline int
cmp_double(gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static inline int
cmp_i64(gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
  return x < y ? -1 : x > y;
}

/* The q-quantile of samples in microseconds (lower one of two), in milliseconds. */
static inline double
pct_ms(GArray *us, double q)
{
  g_array_sort(us, cmp_i64);
  return (double)g_array_index(us, gint64, (guint)((us->len - 1) * q)) / 1000.0;
}

/* The median of samples in microseconds (the upper one of two), in milliseconds. */
static inline double
median_ms(GArray *us)
{
  g_array_sort(us, cmp_i64);
  return (double)g_array_index(us, gint64, us->len / 2) / 1000.0;
}
