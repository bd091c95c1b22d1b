/*
 * A stand-in for Windows' bcryptprimitives.dll, for running Drover's Windows binaries under
 * Debian's Wine 8.0, which lacks that DLL. Rust's standard library asks it for random bytes
 * (ProcessPrng) when a program starts (hash map keys); without it every Rust .exe stops at
 * once. This answers ProcessPrng with RtlGenRandom (advapi32's SystemFunction036), which
 * Wine has. Built by .ci/windows with MinGW-w64 and placed beside the .exe, where Windows
 * looks for a DLL first. Never shipped: real Windows has the real DLL.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    /* RtlGenRandom takes a ULONG: large requests go in pieces. */
    while (length > 0) {
        ULONG piece = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, piece))
            return FALSE;
        data += piece;
        length -= piece;
    }
    return TRUE;
}
