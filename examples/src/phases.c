/* SPDX-License-Identifier: MIT */
/* phases: marks program phases with LWPINS and samples values with LWPVAL, then
 * reads its ring and prints a per-phase profile; also checks the full-ring rules
 * (LWPINS CF, MissedEvents + kept records = generated) with a small second ring. */
#include <stdio.h>
#include "../../include/lwp.h"

#define PHASES 3
#define VALUES 1000u
#define VAL_INTERVAL 9u /* LWPVAL records every 10th value */
#define MARK 0x100       /* LWPINS Flags: 0x100 + phase */

static struct lwpcb cb, small;
static struct lwp_record ring[1024] __attribute__((aligned(64)));
static struct lwp_record small_ring[32] __attribute__((aligned(64))); /* 1024 bytes: the minimum */

struct prof {
  unsigned long marks, samples[PHASES + 1], sum[PHASES + 1];
  int phase, bad;
};

static void on_record(const struct lwp_record *r, void *arg) {
  struct prof *p = arg;
  if (r->EventId == LWP_EVENT_LWPINS) {
    p->marks++;
    p->phase = r->Flags - MARK;
    if ((int)r->Data1 != p->phase || r->Data2 != 0xfeedu) p->bad++;
  } else if (r->EventId == LWP_EVENT_LWPVAL) {
    if (p->phase < 1 || p->phase > PHASES || r->Flags != 7) { p->bad++; return; }
    p->samples[p->phase]++;
    p->sum[p->phase] += r->Data2;
  }
}

static int check(const char *what, long got, long want) {
  printf("[%s] %s: %ld (expected %ld)\n", got == want ? "OK" : "FAIL", what, got, want);
  return got == want;
}

int main(void) {
  struct lwp_caps caps = lwp_query();
  if (!caps.available) { puts("LWP is not available"); return 1; }
  int ok = 1;
  lwp_stop();
  ok &= check("SLWPCB after LLWPCB(0)", __slwpcb() == 0, 1);

  lwp_init(&cb, ring, sizeof ring, LWP_FLAG_EVENT(LWP_EVENT_LWPVAL));
  lwp_set_interval(&cb, LWP_EVENT_LWPVAL, VAL_INTERVAL);
  lwp_start(&cb);
  __lwpins32(0xfeed, 1, MARK + 1);
  for (unsigned i = 0; i < VALUES; i++) __lwpval32(i * 1, i, 7);
  __lwpins32(0xfeed, 2, MARK + 2);
  for (unsigned i = 0; i < VALUES; i++) __lwpval32(i * 2, i, 7);
  __lwpins32(0xfeed, 3, MARK + 3);
  for (unsigned i = 0; i < VALUES; i++) __lwpval32(i * 3, i, 7);
  ok &= check("SLWPCB while active", __slwpcb() == &cb, 1);
  struct prof p;
  memset(&p, 0, sizeof p);
  lwp_drain(&cb, on_record, &p);
  lwp_stop();
  for (int ph = 1; ph <= PHASES; ph++)
    printf("phase %d: %lu LWPVAL samples, mean value %lu\n", ph, p.samples[ph], p.samples[ph] ? p.sum[ph] / p.samples[ph] : 0);
  ok &= check("LWPINS marks", (long)p.marks, PHASES);
  for (int ph = 1; ph <= PHASES; ph++) ok &= check("LWPVAL samples in a phase", (long)p.samples[ph], VALUES / (VAL_INTERVAL + 1));
  ok &= check("records with wrong fields", p.bad, 0);

  /* A full ring with no consumer: 40 LWPINS into 31 free slots. */
  lwp_init(&small, small_ring, sizeof small_ring, 0);
  lwp_start(&small);
  int cf = 0;
  for (int i = 0; i < 40; i++) cf += __lwpins32(0, i, 0);
  __slwpcb();
  lwp_stop();
  ok &= check("LWPINS CF = 1 once the ring is full", cf, 40 - 31);
  ok &= check("MissedEvents", (long)small.MissedEvents, 40 - 31);
  ok &= check("MissedEvents + kept records = generated", (long)small.MissedEvents + (long)(small.BufferHeadOffset / 32), 40);
  puts(ok ? "phases: PASS" : "phases: FAIL");
  return ok ? 0 : 1;
}
