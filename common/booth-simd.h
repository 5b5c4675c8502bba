/* SPDX-License-Identifier: GPL-2.0-or-later */
/* For the few loops that run over every window or pixel of every frame: written with the
 * compiler's vector types, which build for any target, and with GCC on x86-64 built a second
 * time for AVX2, the build picked when the program loads by what the CPU has (target_clones).
 * Elsewhere the one build. */
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define BOOTH_HOT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define BOOTH_HOT_CLONES
#endif

/* Inlined into each build of its BOOTH_HOT_CLONES caller. */
#define BOOTH_HOT_INLINE static inline __attribute__((always_inline))
