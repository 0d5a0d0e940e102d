/* Which OpenBLAS kernels this process runs, and getting the right ones without the user knowing
 * (README "BLAS kernels"). OpenBLAS chooses its kernel set ("core") once, when it loads, from the
 * CPU or from the environment variable OPENBLAS_CORETYPE. Some builds do not recognise a newer
 * CPU and fall back to a generic SSE core (Prescott), several times slower than the AVX2/AVX-512
 * kernels the CPU can run. sgdl_cli_blas_prefer, called first thing in main, re-executes the
 * process once with OPENBLAS_CORETYPE set in that one case. It never replaces a value the user
 * (or the machine's environment) set: such a value may be there because the autodetected kernels
 * are wrong on that processor. Not here: BLAS thread counts (linalg/blas_threads.c, sgdl_blas_threads). */
#ifndef SGDL_CLI_BLAS_H
#define SGDL_CLI_BLAS_H

#include <cjson/cJSON.h>

/* CPU features that decide which kernels can run (each 0 or 1; the OS must enable them). */
typedef struct {
  int avx2_fma;  /* AVX2 and FMA: OpenBLAS's Haswell kernels */
  int avx512;    /* AVX-512 F, DQ, CD, BW and VL: its SkylakeX kernels */
} sgdl_cpu_caps;

/* The OPENBLAS_CORETYPE to ask for instead of `core` (what OpenBLAS picked), or NULL to keep it:
 * non-NULL only when `core` is an SSE-only kernel set although the CPU runs AVX2 (or AVX-512).
 * Pure: no environment, no library calls. */
const char *sgdl_blas_upgrade(const char *core, sgdl_cpu_caps caps);

/* If OPENBLAS_CORETYPE is unset, this OpenBLAS switches kernels at load time (DYNAMIC_ARCH), it
 * picked a generic core and sgdl_blas_upgrade names a better one, and this process was not
 * already re-executed for it: set OPENBLAS_CORETYPE (and SGDLAB_BLAS_CORETYPE, the marker that
 * sgdlab set it and that stops a second try), then execv /proc/self/exe with argv. Returns only
 * when nothing was to be done or the exec failed (then the environment is left as it was).
 * Call before anything else in main: before MPI_Init, threads or open files. */
void sgdl_cli_blas_prefer(char **argv);

/* results.json's "blas": {"library": openblas_get_config(), "core": openblas_get_corename(),
 * "coretype_env": OPENBLAS_CORETYPE or null, "chosen_by": "sgdlab" | "user" | "openblas"}.
 * "user": OPENBLAS_CORETYPE was set outside sgdlab and OpenBLAS runs that core; "sgdlab": set by
 * sgdl_cli_blas_prefer (or the Python package) and honoured; "openblas": its own choice (no
 * variable, or a value it did not take). The caller owns the object (NULL when out of memory). */
cJSON *sgdl_cli_blas_json(void);

/* `sgdlab info`: version, BLAS library and core (and who chose it), cores, threads, MPI ranks. */
int sgdl_cli_info(void);

#endif
