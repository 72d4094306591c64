/*
 * bcryptprimitives.dll for Wine 8: ProcessPrng only.
 *
 * Go 1.22 and later read all randomness through ProcessPrng (bcryptprimitives.dll, Windows 10
 * and later) and stop at startup when it is missing ("bcryptprimitives.dll not found"). Wine 8
 * has no such DLL, so scripts/with-wine.sh builds this one with Debian's x86_64-w64-mingw32-gcc
 * and puts it in the test prefix's system32. It is for running the Windows binaries under Wine
 * in tests only: it is never shipped, and real Windows has its own.
 *
 * ProcessPrng fills data with len random bytes and always returns TRUE on Windows; here the
 * bytes come from RtlGenRandom (advapi32's SystemFunction036), which Wine implements with the
 * host's random source. RtlGenRandom takes a ULONG, so larger requests go in pieces.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
