/*
 * For the tests under Wine only, never shipped: Wine 8.0 has no bcryptprimitives.dll,
 * whose ProcessPrng Rust's standard library calls for random bytes on Windows 10 and
 * later. This stand-in answers it from BCryptGenRandom, the system's generator.
 */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
