/* SPDX-License-Identifier: MIT */
/* Prints every constant and layout offset of include/lwp.h as "NAME value", for
 * test/lwp/header.test.ts to compare with the TypeScript definitions. */
#include <stddef.h>
#include <stdio.h>
#include "../../include/lwp.h"

#define P(name, v) printf("%s %llu\n", name, (unsigned long long)(v))

int main(void) {
  P("LWP_EVENT_LWPVAL", LWP_EVENT_LWPVAL); P("LWP_EVENT_INSTRUCTIONS", LWP_EVENT_INSTRUCTIONS);
  P("LWP_EVENT_BRANCHES", LWP_EVENT_BRANCHES); P("LWP_EVENT_DCACHE", LWP_EVENT_DCACHE);
  P("LWP_EVENT_CYCLES", LWP_EVENT_CYCLES); P("LWP_EVENT_REF_CYCLES", LWP_EVENT_REF_CYCLES);
  P("LWP_EVENT_LWPINS", LWP_EVENT_LWPINS);
  P("LWP_FLAG_CONT", LWP_FLAG_CONT); P("LWP_FLAG_PTSC", LWP_FLAG_PTSC); P("LWP_FLAG_INT", LWP_FLAG_INT);
  P("LWP_FLAG_EVENT(3)", LWP_FLAG_EVENT(3));
  P("LWP_FILTER_MIN_LATENCY(0xfff)", LWP_FILTER_MIN_LATENCY(0xfff));
  P("LWP_FILTER_NO_L2", LWP_FILTER_NO_L2); P("LWP_FILTER_NO_L3", LWP_FILTER_NO_L3); P("LWP_FILTER_NO_DRAM", LWP_FILTER_NO_DRAM);
  P("LWP_FILTER_NO_PREDICTED", LWP_FILTER_NO_PREDICTED); P("LWP_FILTER_NO_MISPREDICTED", LWP_FILTER_NO_MISPREDICTED);
  P("LWP_FILTER_NO_ABSOLUTE", LWP_FILTER_NO_ABSOLUTE); P("LWP_FILTER_NO_CONDITIONAL", LWP_FILTER_NO_CONDITIONAL);
  P("LWP_FILTER_NO_RELATIVE", LWP_FILTER_NO_RELATIVE); P("LWP_FILTER_IP", LWP_FILTER_IP);
  P("LWP_FILTER_IP_INVERT", LWP_FILTER_IP_INVERT);
  P("LWP_BR_TAKEN", LWP_BR_TAKEN); P("LWP_BR_PREDICTED", LWP_BR_PREDICTED);
  P("LWP_BR_PREDICTION_VALID", LWP_BR_PREDICTION_VALID); P("LWP_BR_CLASS(0x300)", LWP_BR_CLASS(0x300));
  P("LWP_BR_CLASS(0x100)", LWP_BR_CLASS(0x100));
  P("LWP_DC_LEVEL(0xff)", LWP_DC_LEVEL(0xff)); P("LWP_DC_ADDRESS_VALID", LWP_DC_ADDRESS_VALID);
  P("LWP_MAX_EVENTS", LWP_MAX_EVENTS);
  P("LWP_PR_DISABLE", LWP_PR_DISABLE); P("LWP_PR_GET", LWP_PR_GET);
  P("LWP_PR_SET_SIGNAL", LWP_PR_SET_SIGNAL); P("LWP_PR_GET_SIGNAL", LWP_PR_GET_SIGNAL);
  P("lwpcb.Flags", offsetof(struct lwpcb, Flags)); P("lwpcb.BufferSize", offsetof(struct lwpcb, BufferSize));
  P("lwpcb.BufferBase", offsetof(struct lwpcb, BufferBase)); P("lwpcb.BufferHeadOffset", offsetof(struct lwpcb, BufferHeadOffset));
  P("lwpcb.MissedEvents", offsetof(struct lwpcb, MissedEvents)); P("lwpcb.Threshold", offsetof(struct lwpcb, Threshold));
  P("lwpcb.Filters", offsetof(struct lwpcb, Filters)); P("lwpcb.BaseIP", offsetof(struct lwpcb, BaseIP));
  P("lwpcb.LimitIP", offsetof(struct lwpcb, LimitIP)); P("lwpcb.BufferTailOffset", offsetof(struct lwpcb, BufferTailOffset));
  P("lwpcb.Events", offsetof(struct lwpcb, Events));
  P("lwp_record.EventId", offsetof(struct lwp_record, EventId)); P("lwp_record.CoreId", offsetof(struct lwp_record, CoreId));
  P("lwp_record.Flags", offsetof(struct lwp_record, Flags)); P("lwp_record.Data1", offsetof(struct lwp_record, Data1));
  P("lwp_record.InstructionAddress", offsetof(struct lwp_record, InstructionAddress));
  P("lwp_record.Data2", offsetof(struct lwp_record, Data2)); P("lwp_record.Data3", offsetof(struct lwp_record, Data3));
  P("sizeof(struct lwp_record)", sizeof(struct lwp_record));
  return 0;
}
