/* User problems as shared objects: dlopen the path given as the problem name, look up
 * SGDL_PLUGIN_SYMBOL and let it fill the problem (see examples/plugin/README.md).
 * sgdl_problem_create validates what the plugin filled in; sgdl_problem_destroy calls the
 * plugin's destroy and then closes the handle.
 * Does not: search a plugin path list (a name without '/' is opened as given, so dlopen's own
 * search rules apply to "myloss.so"; write "./myloss.so" for the current directory). */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "problem/problem_impl.h"

int sgdl_plugin_init(sgdl_ctx *ctx, const sgdl_problem_spec *spec, sgdl_problem *p) {
  const char *path = spec->name;
  dlerror();
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
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
