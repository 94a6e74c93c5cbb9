/* SPDX-License-Identifier: MIT */
/* lwp.h: AMD Lightweight Profiling for C programs that profile themselves (LWP spec
 * §1–§4, as implemented by the lwp emulator; decisions in docs/lwp.md). Build with
 * gcc -mlwp. Field names follow the spec. Header-only: every helper is static inline. */
#ifndef LWP_H
#define LWP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cpuid.h>
#include <x86intrin.h>

/* EventIds (spec §0). */
enum {
  LWP_EVENT_LWPVAL = 1, LWP_EVENT_INSTRUCTIONS = 2, LWP_EVENT_BRANCHES = 3, LWP_EVENT_DCACHE = 4,
  LWP_EVENT_CYCLES = 5, LWP_EVENT_REF_CYCLES = 6, LWP_EVENT_LWPINS = 255
};

/* LWPCB Flags, CPUID 8000_001C EDX/EAX and LWP_CFG bits (spec §1.2). */
#define LWP_FLAG_EVENT(n) (1u << (n))
#define LWP_FLAG_CONT 0x20000000u
#define LWP_FLAG_PTSC 0x40000000u
#define LWP_FLAG_INT 0x80000000u

/* Filters (spec §3.2; bits 27–29 from rr, the rest is our layout, docs/lwp.md). */
#define LWP_FILTER_MIN_LATENCY(c) ((uint32_t)(c) & 0xffu)
#define LWP_FILTER_NO_L2 (1u << 8)
#define LWP_FILTER_NO_L3 (1u << 9)
#define LWP_FILTER_NO_DRAM (1u << 10)
#define LWP_FILTER_NO_PREDICTED (1u << 25)
#define LWP_FILTER_NO_MISPREDICTED (1u << 26)
#define LWP_FILTER_NO_ABSOLUTE (1u << 27)
#define LWP_FILTER_NO_CONDITIONAL (1u << 28)
#define LWP_FILTER_NO_RELATIVE (1u << 29)
#define LWP_FILTER_IP (1u << 30)
#define LWP_FILTER_IP_INVERT (1u << 31)

/* Branch record Flags (EventId 3) and D-cache record Flags (EventId 4): docs/lwp.md. */
#define LWP_BR_TAKEN 0x1u
#define LWP_BR_PREDICTED 0x2u
#define LWP_BR_PREDICTION_VALID 0x4u
#define LWP_BR_CLASS(flags) (((flags) >> 8) & 3u) /* 1 conditional, 2 relative, 3 absolute */
#define LWP_DC_LEVEL(flags) ((flags) & 0xfu)      /* 2 L2, 3 L3, 4 DRAM */
#define LWP_DC_ADDRESS_VALID 0x10u

#define LWP_MAX_EVENTS 6

/* prctl(2) options of lwp's kernel (docs/kernel.md "LWP as an OS feature"). */
#define LWP_PR_DISABLE 0x4c575001    /* LWP off for this task and its children, for good */
#define LWP_PR_GET 0x4c575002        /* 1 if LWP is on for this task */
#define LWP_PR_SET_SIGNAL 0x4c575003 /* relay the threshold interrupt as signal arg2 (0 = off) */
#define LWP_PR_GET_SIGNAL 0x4c575004

/* The LWP control block (spec §3); sized for the full model (6 events). */
struct lwpcb {
  uint32_t Flags;
  uint32_t BufferSize; /* bits 27:0 size in bytes, 31:28 Random */
  uint64_t BufferBase;
  uint32_t BufferHeadOffset;
  uint32_t Reserved1;
  uint64_t MissedEvents;
  uint32_t Threshold;
  uint32_t Filters;
  uint64_t BaseIP;
  uint64_t LimitIP;
  uint64_t Reserved2;
  uint32_t BufferTailOffset;
  uint32_t Reserved3;
  uint64_t SoftwareReserved[7];
  struct { uint32_t EventInterval, EventCounter; } Events[LWP_MAX_EVENTS]; /* at LwpEventOffset = 0x80 */
} __attribute__((aligned(64)));

/* One 32-byte event record (spec §4). */
struct lwp_record {
  uint8_t EventId;
  uint8_t CoreId;
  uint16_t Flags;
  uint32_t Data1;
  uint64_t InstructionAddress;
  uint64_t Data2;
  uint64_t Data3;
};

_Static_assert(offsetof(struct lwpcb, BufferTailOffset) == 0x40, "LWPCB layout");
_Static_assert(offsetof(struct lwpcb, Events) == 0x80, "EventInterval1 at 0x80");
_Static_assert(sizeof(struct lwp_record) == 32, "record size");

/* CPUID 8000_001C (spec §1.2). available is 0 when the CPU or the OS lacks LWP. */
struct lwp_caps {
  int available;
  uint32_t enabled, supported; /* EAX, EDX */
  unsigned cb_size, event_size, max_events, event_offset, min_buffer; /* bytes / count */
  uint32_t ecx;
};

static inline struct lwp_caps lwp_query(void) {
  struct lwp_caps c;
  unsigned a, b, cx, d;
  memset(&c, 0, sizeof c);
  if (!__get_cpuid(0x80000001, &a, &b, &cx, &d) || !(cx & (1u << 15))) return c;
  if (!__get_cpuid(0x8000001c, &a, &b, &cx, &d)) return c;
  c.available = (a & 1) != 0;
  c.enabled = a;
  c.supported = d;
  c.cb_size = (b & 0xff) * 8;
  c.event_size = (b >> 8) & 0xff;
  c.max_events = (b >> 16) & 0xff;
  c.event_offset = b >> 24;
  c.min_buffer = ((cx >> 16) & 0xff) * 32 * c.event_size;
  c.ecx = cx;
  return c;
}

/* Fills a control block for `ring` of `size` bytes; set intervals with lwp_set_interval. */
static inline void lwp_init(struct lwpcb *cb, void *ring, uint32_t size, uint32_t flags) {
  memset(cb, 0, sizeof *cb);
  cb->Flags = flags;
  cb->BufferSize = size & 0x0fffffffu;
  cb->BufferBase = (uint64_t)(uintptr_t)ring;
}

/* One record every interval+1 events; the counter starts at the interval (spec §7.2). */
static inline void lwp_set_interval(struct lwpcb *cb, int event, uint32_t interval) {
  cb->Events[event - 1].EventInterval = interval;
  cb->Events[event - 1].EventCounter = interval;
}

static inline void lwp_start(struct lwpcb *cb) { __llwpcb(cb); }
static inline void lwp_stop(void) { __llwpcb((void *)0); }

/* Calls fn for every unread record and advances BufferTailOffset; returns the count.
 * The unit writes BufferHeadOffset after each record (docs/lwp.md), so polling works. */
static inline unsigned lwp_drain(struct lwpcb *cb, void (*fn)(const struct lwp_record *, void *), void *arg) {
  volatile struct lwpcb *v = cb;
  uint32_t size = v->BufferSize & 0x0fffffffu, head = v->BufferHeadOffset, tail = v->BufferTailOffset;
  const unsigned char *ring = (const unsigned char *)(uintptr_t)v->BufferBase;
  unsigned n = 0;
  while (tail != head) {
    fn((const struct lwp_record *)(ring + tail), arg);
    tail = (tail + 32) % size;
    n++;
  }
  v->BufferTailOffset = tail;
  return n;
}

#endif
