/* User problems as shared objects: dlopen the path given as the problem name, look up
 * SGDL_PLUGIN_SYMBOL and let it fill the problem (see examples/plugin/README.md).
 * sgdl_problem_create validates what the plugin filled in; sgdl_problem_destroy calls the
 * plugin's destroy and then closes the handle. Before the plugin's function runs, its exported
 * SGDL_PLUGIN_ABI_SYMBOL must equal SGDL_PLUGIN_ABI_VERSION (a missing or different number is
 * refused: the plugin was compiled against another layout of sgdl_problem / sgdl_problem_type).
 * A bare "myloss.so" means the file in the current directory when it exists there (what a user
 * typing it expects; dlopen alone would search only the system library path), else dlopen's
 * own search. Does not: keep a plugin search path of its own. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "problem/problem_impl.h"

/* The plugin's SGDL_PLUGIN_ABI_SYMBOL must equal this header's SGDL_PLUGIN_ABI_VERSION; checked
 * before the plugin's function runs, since an older plugin writes an older struct layout. */
static int plugin_check_abi(sgdl_ctx *ctx, void *h, const char *path) {
  dlerror();
  const int *abi = dlsym(h, SGDL_PLUGIN_ABI_SYMBOL);
  if (!abi)
    return sgdl_fail(ctx, SGDL_EINVAL,
                     "--problem: plugin %s exports no %s (built before plugin ABI versions; this sgdlab expects "
                     "version %d): add the line `SGDL_PLUGIN_ABI;` to its source and rebuild it against this "
                     "sgdlab's include/sgdlab/problem.h (see examples/plugin/README.md)",
                     path, SGDL_PLUGIN_ABI_SYMBOL, SGDL_PLUGIN_ABI_VERSION);
  if (*abi != SGDL_PLUGIN_ABI_VERSION)
    return sgdl_fail(ctx, SGDL_EINVAL,
                     "--problem: plugin %s was built for plugin ABI version %d, this sgdlab expects version %d: "
                     "rebuild it against this sgdlab's include/sgdlab/problem.h (see examples/plugin/README.md)",
                     path, *abi, SGDL_PLUGIN_ABI_VERSION);
  return SGDL_OK;
}

int sgdl_plugin_init(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_problem *p) {
  const char *path = spec->name;
  char local[4096];
  const char *open_as = path;
  if (!strchr(path, '/') && strlen(path) + 3 < sizeof local && access(path, F_OK) == 0) {
    snprintf(local, sizeof local, "./%s", path);
    open_as = local;
  }
  dlerror();
  void *h = dlopen(open_as, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char *e = dlerror();
    return sgdl_fail(ctx, SGDL_EINVAL, "--problem: cannot load plugin %s: %s", path, e ? e : "unknown dlopen error");
  }
  p->dl_handle = h;
  dlerror();
  void *sym = dlsym(h, SGDL_PLUGIN_SYMBOL);
  if (!sym)
    return sgdl_fail(ctx, SGDL_EINVAL, "--problem: plugin %s does not export the symbol %s (see examples/plugin/)",
                     path, SGDL_PLUGIN_SYMBOL);
  int rc = plugin_check_abi(ctx, h, path);
  if (rc) return rc;
  /* POSIX guarantees data and function pointers convert through dlsym's void *. */
  sgdl_problem_plugin_fn fn;
  memcpy(&fn, &sym, sizeof fn);
  p->desc[0] = '\0';
  int r = fn(p, spec->plugin_params ? spec->plugin_params : "");
  p->desc[sizeof p->desc - 1] = '\0';
  if (r != 0) {
    /* The plugin may have left impl half-built; its destroy (if any) runs on cleanup. */
    return sgdl_fail(ctx, SGDL_EINVAL, "--problem: plugin %s failed (code %d): %s", path, r,
                     p->desc[0] ? p->desc : "no reason given");
  }
  if (p->desc[0] == '\0') snprintf(p->desc, sizeof p->desc, "plugin %s (d=%d)", path, p->dim);
  return SGDL_OK;
}
