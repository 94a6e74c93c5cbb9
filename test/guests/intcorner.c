// SPDX-License-Identifier: MIT
// Guest oracle: integer corner cases (8/16/32/64-bit add/sub/mul/div/mod, shifts,
// clz/ctz/popcount, bswap, rotates, 64x64->128 multiply). Output is compared
// byte for byte with the native run of the same binary.
#include <stdint.h>
#include <stdio.h>

/* Non-static globals: the compiler cannot fold them into constants. */
uint64_t v64[] = {
  0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 63, 64, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000,
  0xffff, 0x10000, 0x7fffffff, 0x80000000u, 0xffffffffu, 0x100000000ull,
  0x7fffffffffffffffull, 0x8000000000000000ull, 0xffffffffffffffffull,
  0xfffffffffffffffeull, 0x8000000000000001ull, 0x0123456789abcdefull,
  0xfedcba9876543210ull, 0xdeadbeefcafebabeull, 0x5555555555555555ull,
  0xaaaaaaaaaaaaaaaaull, 0x00000000ffff0000ull, 0xffffffff00000001ull,
};
unsigned shifts[] = {0, 1, 7, 8, 15, 16, 31, 32, 33, 63};
#define N64 (sizeof v64 / sizeof v64[0])
#define NSH (sizeof shifts / sizeof shifts[0])

static uint64_t hash = 1469598103934665603ull;
static void mix(uint64_t x) { hash = (hash ^ x) * 0x100000001b3ull; hash ^= hash >> 29; }

static void ops64(uint64_t a, uint64_t b) {
  int64_t sa = (int64_t)a, sb = (int64_t)b;
  uint64_t q = b ? a / b : 0, r = b ? a % b : 0;
  int64_t sq = 0, sr = 0;
  if (sb != 0 && !(sa == INT64_MIN && sb == -1)) { sq = sa / sb; sr = sa % sb; }
  unsigned __int128 pu = (unsigned __int128)a * b;
  __int128 ps = (__int128)sa * sb;
  printf("64 %016llx %016llx: + %016llx - %016llx * %016llx uhi %016llx shi %016llx"
         " u/ %016llx u%% %016llx s/ %016llx s%% %016llx lt %d%d\n",
         (unsigned long long)a, (unsigned long long)b, (unsigned long long)(a + b),
         (unsigned long long)(a - b), (unsigned long long)(a * b),
         (unsigned long long)(pu >> 64), (unsigned long long)((unsigned __int128)ps >> 64),
         (unsigned long long)q, (unsigned long long)r, (unsigned long long)sq,
         (unsigned long long)sr, a < b, sa < sb);
}

static void ops32(uint32_t a, uint32_t b) {
  int32_t sa = (int32_t)a, sb = (int32_t)b;
  uint32_t q = b ? a / b : 0, r = b ? a % b : 0;
  int32_t sq = 0, sr = 0;
  if (sb != 0 && !(sa == INT32_MIN && sb == -1)) { sq = sa / sb; sr = sa % sb; }
  uint64_t pu = (uint64_t)a * b;
  int64_t ps = (int64_t)sa * sb;
  mix(a + b); mix(a - b); mix(a * b); mix(pu >> 32); mix((uint64_t)ps >> 32);
  mix(q); mix(r); mix((uint32_t)sq); mix((uint32_t)sr); mix((a < b) | (sa < sb) << 1);
}

static void ops16(uint16_t a, uint16_t b) {
  int16_t sa = (int16_t)a, sb = (int16_t)b;
  mix((uint16_t)(a + b)); mix((uint16_t)(a - b)); mix((uint16_t)(a * b));
  mix((uint32_t)(sa * sb));
  if (b) { mix(a / b); mix(a % b); }
  if (sb) { mix((uint32_t)(sa / sb)); mix((uint32_t)(sa % sb)); }
  mix((uint16_t)(sa >> (b & 15))); mix((uint16_t)(a << (b & 15)));
}

static void ops8(uint8_t a, uint8_t b) {
  int8_t sa = (int8_t)a, sb = (int8_t)b;
  mix((uint8_t)(a + b)); mix((uint8_t)(a - b)); mix((uint8_t)(a * b));
  mix((uint32_t)(sa * sb));
  if (b) { mix(a / b); mix(a % b); }
  if (sb) { mix((uint32_t)(sa / sb)); mix((uint32_t)(sa % sb)); }
  mix((uint8_t)(sa >> (b & 7))); mix((uint8_t)(a >> (b & 7)));
}

static uint64_t rotl64(uint64_t x, unsigned n) { n &= 63; return n ? (x << n) | (x >> (64 - n)) : x; }
static uint32_t rotr32(uint32_t x, unsigned n) { n &= 31; return n ? (x >> n) | (x << (32 - n)) : x; }
static uint16_t rotl16(uint16_t x, unsigned n) { n &= 15; return (uint16_t)(n ? (x << n) | (x >> (16 - n)) : x); }
static uint8_t rotr8(uint8_t x, unsigned n) { n &= 7; return (uint8_t)(n ? (x >> n) | (x << (8 - n)) : x); }

static void bits(uint64_t a) {
  uint32_t a32 = (uint32_t)a;
  printf("bits %016llx: clz %d ctz %d pop %d clz32 %d ctz32 %d pop32 %d par %d bswap %016llx"
         " bswap32 %08x bswap16 %04x\n",
         (unsigned long long)a, a ? __builtin_clzll(a) : -1, a ? __builtin_ctzll(a) : -1,
         __builtin_popcountll(a), a32 ? __builtin_clz(a32) : -1, a32 ? __builtin_ctz(a32) : -1,
         __builtin_popcount(a32), __builtin_parityll(a),
         (unsigned long long)__builtin_bswap64(a), __builtin_bswap32(a32),
         __builtin_bswap16((uint16_t)a));
  for (unsigned i = 0; i < NSH; i++) {
    unsigned s = shifts[i];
    int64_t sa = (int64_t)a;
    printf("  sh %2u: shl %016llx shr %016llx sar %016llx rol %016llx ror32 %08x rol16 %04x"
           " ror8 %02x sar32 %08x\n",
           s, (unsigned long long)(a << s), (unsigned long long)(a >> s),
           (unsigned long long)(sa >> s), (unsigned long long)rotl64(a, s), rotr32(a32, s),
           rotl16((uint16_t)a, s), rotr8((uint8_t)a, s), (uint32_t)((int32_t)a32 >> (s & 31)));
  }
}

static void overflow(uint64_t a, uint64_t b) {
  long long r; int r32; unsigned long long u;
  int o1 = __builtin_add_overflow((long long)a, (long long)b, &r);
  int o2 = __builtin_sub_overflow((long long)a, (long long)b, &r);
  int o3 = __builtin_mul_overflow((long long)a, (long long)b, &r);
  int o4 = __builtin_mul_overflow((int)a, (int)b, &r32);
  int o5 = __builtin_add_overflow((unsigned long long)a, (unsigned long long)b, &u);
  int o6 = __builtin_mul_overflow((unsigned long long)a, (unsigned long long)b, &u);
  mix((uint64_t)(o1 | o2 << 1 | o3 << 2 | o4 << 3 | o5 << 4 | o6 << 5));
}

int main(void) {
  for (unsigned i = 0; i < N64; i++)
    for (unsigned j = 0; j < N64; j++) ops64(v64[i], v64[j]);
  for (unsigned i = 0; i < N64; i++) bits(v64[i]);
  for (unsigned i = 0; i < N64; i++)
    for (unsigned j = 0; j < N64; j++) {
      ops32((uint32_t)v64[i], (uint32_t)v64[j]);
      ops32((uint32_t)(v64[i] >> 32), (uint32_t)v64[j]);
      overflow(v64[i], v64[j]);
    }
  printf("ops32/overflow hash %016llx\n", (unsigned long long)hash);
  for (unsigned a = 0; a < 256; a++)
    for (unsigned b = 0; b < 256; b += (b < 8 || b > 248 || (b > 120 && b < 136)) ? 1 : 7) ops8((uint8_t)a, (uint8_t)b);
  printf("ops8 hash %016llx\n", (unsigned long long)hash);
  for (unsigned i = 0; i < N64; i++)
    for (unsigned j = 0; j < N64; j++) {
      ops16((uint16_t)v64[i], (uint16_t)v64[j]);
      ops16((uint16_t)(v64[i] >> 16), (uint16_t)(v64[j] >> 48));
    }
  printf("ops16 hash %016llx\n", (unsigned long long)hash);
  /* Sign/zero extension chains. */
  for (unsigned i = 0; i < N64; i++) {
    uint64_t a = v64[i];
    printf("ext %016llx: s8 %016llx s16 %016llx s32 %016llx z8 %llx z16 %llx z32 %llx\n",
           (unsigned long long)a, (unsigned long long)(int64_t)(int8_t)a,
           (unsigned long long)(int64_t)(int16_t)a, (unsigned long long)(int64_t)(int32_t)a,
           (unsigned long long)(uint8_t)a, (unsigned long long)(uint16_t)a,
           (unsigned long long)(uint32_t)a);
  }
  return 0;
}
