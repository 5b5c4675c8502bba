/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "store.h"

BoothRecordFile *
booth_record_file_new(void)
{
  return g_new0(BoothRecordFile, 1);
}

void
booth_record_file_free(BoothRecordFile *file)
{
  if (!file)
    return;
  g_free(file->profile);
  g_free(file->path);
  g_free(file->sha256);
  g_free(file);
}

BoothRecord *
booth_record_new(void)
{
  BoothRecord *rec = g_new0(BoothRecord, 1);
  rec->files = g_ptr_array_new_with_free_func((GDestroyNotify)booth_record_file_free);
  return rec;
}

void
booth_record_free(BoothRecord *rec)
{
  if (!rec)
    return;
  g_free(rec->session_id);
  g_clear_pointer(&rec->code, g_bytes_unref);
  g_free(rec->operator_name);
  g_free(rec->profile);
  g_free(rec->status);
  g_free(rec->checks_json);
  g_free(rec->overrides);
  g_free(rec->note);
  g_free(rec->exported);
  g_clear_pointer(&rec->files, g_ptr_array_unref);
  g_free(rec);
}
