/* OpenBLAS kernel choice for the CLI and libsgdlab.so: the one-time re-exec that replaces a
 * generic fallback core with the AVX2/AVX-512 kernels the CPU runs, the "blas" entry of
 * results.json, and `sgdlab info`. It does not set BLAS thread counts (linalg/blas_threads.c) and never
 * overrides an OPENBLAS_CORETYPE that was set outside sgdlab (see blas.h). */
#include "cli/blas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sgdlab/ensemble.h"

/* OpenBLAS's own introspection (cblas.h declares these too; declared here so that only this file
 * depends on them being OpenBLAS). */
char *openblas_get_config(void);
char *openblas_get_corename(void);
int openblas_get_num_threads(void);

#define CORETYPE_ENV "OPENBLAS_CORETYPE"
#define MARKER_ENV "SGDLAB_BLAS_CORETYPE" /* what sgdlab set OPENBLAS_CORETYPE to; also the once-guard */

/* OpenBLAS's x86 kernel sets without AVX: the fallbacks of a build that does not know the CPU.
 * None of them is a right answer on a CPU with AVX2. */
static const char *const sse_only_cores[] = {"Unknown", "Katmai",  "Coppermine", "Northwood",  "Prescott",
                                             "Banias",  "Atom",    "Core2",      "Penryn",     "Dunnington",
                                             "Nehalem", "Athlon",  "Opteron",    "Opteron_SSE3", "Barcelona",
                                             "Nano",    "Bobcat"};

static int is_sse_only(const char *core) {
  if (!core) return 0;
  for (size_t i = 0; i < sizeof sse_only_cores / sizeof *sse_only_cores; i++)
    if (!strcasecmp(core, sse_only_cores[i])) return 1;
  return 0;
}

const char *sgdl_blas_upgrade(const char *core, sgdl_cpu_caps caps) {
  if (!is_sse_only(core)) return NULL;
  if (caps.avx512) return "SkylakeX";
  if (caps.avx2_fma) return "Haswell";
  return NULL;
}

/* GCC's and Clang's checks include the OS enabling the registers (XGETBV), not just CPUID. */
static sgdl_cpu_caps cpu_caps(void) {
  sgdl_cpu_caps caps = {0, 0};
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  caps.avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  caps.avx512 = caps.avx2_fma && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512vl");
#endif
  return caps;
}

void sgdl_cli_blas_prefer(char **argv) {
  if (getenv(CORETYPE_ENV) || getenv(MARKER_ENV)) return; /* the user's choice, or tried once already */
  const char *config = openblas_get_config();
  if (!config || !strstr(config, "DYNAMIC_ARCH")) return; /* one fixed kernel set: the variable does nothing */
  const char *better = sgdl_blas_upgrade(openblas_get_corename(), cpu_caps());
  if (!better) return;
  if (setenv(CORETYPE_ENV, better, 1) || setenv(MARKER_ENV, better, 1)) return;
  fflush(NULL);
  execv("/proc/self/exe", argv);
  /* no /proc, or the exec was refused: carry on with the generic kernels, environment as it was */
  unsetenv(CORETYPE_ENV);
  unsetenv(MARKER_ENV);
}

static const char *chosen_by(const char *env, const char *core) {
  if (!env || !core || strcasecmp(env, core)) return "openblas";
  const char *marker = getenv(MARKER_ENV);
  return marker && !strcmp(marker, env) ? "sgdlab" : "user";
}

cJSON *sgdl_cli_blas_json(void) {
  const char *env = getenv(CORETYPE_ENV);
  const char *config = openblas_get_config(), *core = openblas_get_corename();
  cJSON *b = cJSON_CreateObject();
  if (!b) return NULL;
  cJSON_AddStringToObject(b, "library", config ? config : "unknown");
  cJSON_AddStringToObject(b, "core", core ? core : "unknown");
  if (env) cJSON_AddStringToObject(b, "coretype_env", env);
  else cJSON_AddNullToObject(b, "coretype_env");
  cJSON_AddStringToObject(b, "chosen_by", chosen_by(env, core));
  return b;
}

int sgdl_cli_info(void) {
  sgdl_ctx ctx;
  sgdl_ctx_init(&ctx);
  sgdl_mpi_identify(&ctx);
  const char *env = getenv(CORETYPE_ENV), *core = openblas_get_corename();
  const sgdl_cpu_caps caps = cpu_caps();
  printf("sgdlab %s\n", SGDL_VERSION);
  printf("blas:      %s\n", openblas_get_config());
  printf("core:      %s (chosen by %s; OPENBLAS_CORETYPE=%s)\n", core, chosen_by(env, core), env ? env : "unset");
  printf("cpu:       %s\n", caps.avx512 ? "AVX-512" : caps.avx2_fma ? "AVX2+FMA" : "no AVX2");
  printf("cores:     %ld online\n", sysconf(_SC_NPROCESSORS_ONLN));
  printf("threads:   %d (OpenMP, --threads default), BLAS %d\n", sgdl_ctx_threads(&ctx), openblas_get_num_threads());
#ifdef SGDL_HAVE_MPI
  printf("mpi:       Open MPI, %d rank%s\n", ctx.ranks, ctx.ranks == 1 ? "" : "s");
#else
  printf("mpi:       not built\n");
#endif
  return 0;
}
