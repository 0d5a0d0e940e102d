/* Output sets (report.h): the files of one run into --out DIR as one unit.
 *
 * open:   create DIR, take its lock (DIR/.sgdlab-lock, flock, holding the owner's pid), remove what
 *         killed runs left (staging folders, *.tmp-PID files of dead processes), and make the
 *         staging folder: beside DIR (PARENT/.NAME.staging-PID) when the parent is writable and on
 *         the same filesystem, else inside it (DIR/.staging-PID).
 * commit: list every staged file with its size and CRC-32 (zlib) under "output_files" in
 *         results.json, written last into the staging folder; then publish. Beside DIR the staged
 *         folder and DIR trade places in one renameat2(RENAME_EXCHANGE), so a reader (or a kill -9)
 *         sees the whole old set or the whole new one; entries of DIR that no earlier manifest
 *         names (a user's notes) are hard-linked across first. Inside DIR (or when the exchange is
 *         refused) the files are renamed into place one by one, results.json last, and the files
 *         of the earlier set that this run did not produce are removed.
 * close:  an uncommitted set is discarded (DIR untouched; a DIR this run created is removed again
 *         if empty); the lock is released.
 * It does not write the files themselves (json.c, csv.c, plot.c, the nn layer's weights do, into
 * sgdl_outset_staging) and keeps no global state; MPI ranks other than 0 get an inactive set. */
#define _GNU_SOURCE /* renameat2, flock */
#include "sgdlab/report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define LOCK_NAME ".sgdlab-lock"
#define RESULTS_NAME "results.json"
#define MANIFEST_KEY "output_files"
#define PATH_SIZE 4096

struct sgdl_outset {
  char dir[PATH_SIZE];     /* --out as given (messages) */
  char real[PATH_SIZE];    /* the folder, resolved */
  char parent[PATH_SIZE];  /* its parent folder */
  char staging[PATH_SIZE]; /* where this run's files go */
  char lock_path[PATH_SIZE];
  int lock_fd;  /* flock held on lock_path, -1 if none */
  int beside;   /* staging is a sibling of real: the exchange can publish */
  int created;  /* real did not exist before this run */
  int active;   /* rank 0: the only writer */
  int committed;
};

/* ---- small file-system helpers ------------------------------------------------------------ */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  remove(path);
  return 0;
}

/* rm -rf path (best effort: what cannot be removed stays for the next run). */
static void remove_tree(const char *path) { nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

static int pid_alive(long pid) { return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM); }

/* The pid after the last `marker` in name when digits alone follow it, else -1. */
static long trailing_pid(const char *name, const char *marker) {
  const char *p = NULL;
  for (const char *q = strstr(name, marker); q; q = strstr(q + 1, marker)) p = q;
  if (!p) return -1;
  p += strlen(marker);
  if (!*p) return -1;
  char *end;
  long pid = strtol(p, &end, 10);
  return *end || pid <= 0 ? -1 : pid;
}

static int fsync_path(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  close(fd);
  return rc;
}

static int same_file(int fd, const char *path) {
  struct stat a, b;
  return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* ---- the lock ----------------------------------------------------------------------------- */

/* The pid written in a lock file (its owner may not have written it yet: wait a little). */
static long lock_owner(const char *path) {
  for (int i = 0; i < 20; i++) {
    char buf[32] = {0};
    FILE *f = fopen(path, "r");
    if (f) {
      size_t n = fread(buf, 1, sizeof buf - 1, f);
      fclose(f);
      buf[n] = 0;
      long pid = strtol(buf, NULL, 10);
      if (pid > 0) return pid;
    }
    nanosleep(&(struct timespec){0, 10000000}, NULL);
  }
  return -1;
}

/* Lock file at path, exclusive, without waiting; writes our pid into it. A lock file unlinked by
 * its last owner between our open and flock is detected (the path names another file) and retried. */
static int take_lock(sgdl_ctx *ctx, const char *flag, const char *dir, const char *path, int *fd_out) {
  for (int attempt = 0; attempt < 16; attempt++) {
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return sgdl_fail(ctx, SGDL_EIO, "%s %s: cannot create the lock file %s (%s)", flag, dir, path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int e = errno;
      close(fd);
      if (e != EWOULDBLOCK) return sgdl_fail(ctx, SGDL_EIO, "%s %s: cannot lock %s (%s)", flag, dir, path, strerror(e));
      long owner = lock_owner(path);
      if (owner > 0)
        return sgdl_fail(ctx, SGDL_EIO, "%s %s: the folder is in use by another sgdlab run (pid %ld, lock %s)", flag, dir,
                         owner, path);
      return sgdl_fail(ctx, SGDL_EIO, "%s %s: the folder is in use by another sgdlab run (pid unknown, lock %s)", flag, dir,
                       path);
    }
    if (same_file(fd, path)) {
      char pid[32];
      int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
      if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n)
        return close(fd), sgdl_fail(ctx, SGDL_EIO, "%s %s: cannot write the lock file %s (%s)", flag, dir, path, strerror(errno));
      *fd_out = fd;
      return SGDL_OK;
    }
    close(fd);
  }
  return sgdl_fail(ctx, SGDL_EIO, "%s %s: cannot take the lock %s (it keeps changing)", flag, dir, path);
}

/* Unlink our lock file (only if the path still names it) and release it. */
static void drop_lock(int *fd, const char *path) {
  if (*fd < 0) return;
  if (same_file(*fd, path)) unlink(path);
  close(*fd);
  *fd = -1;
}

/* ---- opening ------------------------------------------------------------------------------ */

/* What killed runs left, removed while we hold the lock (so no live run owns any of it): staging
 * folders of this DIR beside it and inside it, and temporary/probe files of dead processes. */
static void remove_stale(const sgdl_outset *s) {
  char prefix[PATH_SIZE], path[PATH_SIZE];
  const char *base = strrchr(s->real, '/') + 1;
  snprintf(prefix, sizeof prefix, ".%s.staging-", base);
  DIR *d = opendir(s->parent);
  for (struct dirent *e; d && (e = readdir(d));) {
    if (!strncmp(e->d_name, prefix, strlen(prefix)) && trailing_pid(e->d_name, ".staging-") > 0)
      remove_tree(sgdl_path_join(path, sizeof path, s->parent, e->d_name));
  }
  if (d) closedir(d);
  d = opendir(s->real);
  for (struct dirent *e; d && (e = readdir(d));) {
    sgdl_path_join(path, sizeof path, s->real, e->d_name);
    if (!strncmp(e->d_name, ".staging-", 9) && trailing_pid(e->d_name, ".staging-") > 0) remove_tree(path);
    long pid = trailing_pid(e->d_name, ".tmp-");
    if (pid < 0 && !strncmp(e->d_name, ".sgdlab-probe-", 14)) pid = trailing_pid(e->d_name, "probe-");
    if (pid > 0 && !pid_alive(pid)) unlink(path);
  }
  if (d) closedir(d);
}

/* Staging beside the folder when the parent is writable, on the same filesystem, and the working
 * directory is not in the folder (a folder that trades places would take it along); else inside. */
static int make_staging(sgdl_ctx *ctx, sgdl_outset *s, const char *flag) {
  struct stat sp, sd;
  char cwd[PATH_SIZE];
  size_t len = strlen(s->real);
  int in_cwd = getcwd(cwd, sizeof cwd) && !strncmp(cwd, s->real, len) && (cwd[len] == 0 || cwd[len] == '/');
  const char *base = strrchr(s->real, '/') + 1;
  s->beside = *base && !in_cwd && access(s->parent, W_OK) == 0 && stat(s->parent, &sp) == 0 &&
              stat(s->real, &sd) == 0 && sp.st_dev == sd.st_dev;
  if (s->beside) {
    int n = snprintf(s->staging, sizeof s->staging, "%s/.%s.staging-%ld", strcmp(s->parent, "/") ? s->parent : "",
                     base, (long)getpid());
    if (n > 0 && (size_t)n < sizeof s->staging && mkdir(s->staging, 0700) == 0) return SGDL_OK;
    s->beside = 0;
  }
  int n = snprintf(s->staging, sizeof s->staging, "%s/.staging-%ld", s->real, (long)getpid());
  if (n > 0 && (size_t)n < sizeof s->staging && mkdir(s->staging, 0700) == 0) return SGDL_OK;
  int e = n > 0 && (size_t)n < sizeof s->staging ? errno : ENAMETOOLONG;
  s->staging[0] = 0;
  return sgdl_fail(ctx, SGDL_EIO, "%s %s: cannot create a staging folder (%s)", flag, s->dir, strerror(e));
}

int sgdl_outset_open(sgdl_ctx *ctx, const char *dir, const char *flag, sgdl_outset **out) {
  *out = NULL;
  sgdl_outset *s = calloc(1, sizeof *s);
  if (!s) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory");
  s->lock_fd = -1;
  snprintf(s->dir, sizeof s->dir, "%s", dir ? dir : "");
  s->active = !ctx || ctx->rank == 0;
  struct stat st;
  s->created = dir && *dir && stat(dir, &st) != 0;
  int rc = sgdl_outdir_prepare(ctx, dir, flag); /* mkdir -p and a write probe */
  if (!rc && !s->active) snprintf(s->staging, sizeof s->staging, "%s", dir);
  if (rc || !s->active) {
    if (rc) free(s);
    else *out = s;
    return rc;
  }
  if (!realpath(dir, s->real)) rc = sgdl_fail(ctx, SGDL_EIO, "%s %s: cannot resolve the folder (%s)", flag, dir, strerror(errno));
  if (!rc) {
    snprintf(s->parent, sizeof s->parent, "%s", s->real);
    char *slash = strrchr(s->parent, '/');
    if (slash == s->parent) slash[1] = 0; /* a folder directly under / */
    else *slash = 0;
    sgdl_path_join(s->lock_path, sizeof s->lock_path, s->real, LOCK_NAME);
    rc = take_lock(ctx, flag, dir, s->lock_path, &s->lock_fd);
  }
  if (!rc) remove_stale(s);
  if (!rc) rc = make_staging(ctx, s, flag);
  if (rc) {
    sgdl_outset_close(s);
    return rc;
  }
  *out = s;
  return SGDL_OK;
}

const char *sgdl_outset_staging(const sgdl_outset *s) { return s->staging; }

char *sgdl_outset_member(const sgdl_outset *s, const char *path, char *buf, size_t n) {
  snprintf(buf, n, "%s", path);
  if (!s || !s->active) return buf;
  char folder[PATH_SIZE], real[PATH_SIZE];
  snprintf(folder, sizeof folder, "%s", path);
  char *slash = strrchr(folder, '/');
  const char *name = slash ? slash + 1 : path;
  if (slash == folder) folder[1] = 0;
  else if (slash) *slash = 0;
  else snprintf(folder, sizeof folder, ".");
  if (*name && realpath(folder, real) && !strcmp(real, s->real)) sgdl_path_join(buf, n, s->staging, name);
  return buf;
}

/* ---- the manifest ------------------------------------------------------------------------- */

/* Size and CRC-32 of a staged file, which is also flushed to disk (gnuplot's PNG was not). */
static int file_entry(sgdl_ctx *ctx, const char *path, cJSON **entry) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sgdl_fail(ctx, SGDL_EIO, "cannot read %s (%s)", path, strerror(errno));
  uLong crc = crc32(0L, Z_NULL, 0);
  double bytes = 0;
  unsigned char buf[65536];
  ssize_t got;
  while ((got = read(fd, buf, sizeof buf)) > 0 || (got < 0 && errno == EINTR))
    if (got > 0) crc = crc32(crc, buf, (uInt)got), bytes += (double)got;
  int bad = got < 0, e = errno;
  if (!bad && fsync(fd) != 0) bad = 1, e = errno;
  close(fd);
  if (bad) return sgdl_fail(ctx, SGDL_EIO, "cannot read or flush %s (%s)", path, strerror(e));
  char hex[16];
  snprintf(hex, sizeof hex, "%08lx", (unsigned long)crc);
  *entry = cJSON_CreateObject();
  if (!*entry || !cJSON_AddNumberToObject(*entry, "bytes", bytes) || !cJSON_AddStringToObject(*entry, "crc32", hex)) {
    cJSON_Delete(*entry);
    *entry = NULL;
    return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory building the list of output files (%s)", path);
  }
  return SGDL_OK;
}

static int not_hidden(const struct dirent *e) { return e->d_name[0] != '.' && strcmp(e->d_name, RESULTS_NAME) != 0; }

/* {"name": {"bytes", "crc32"}} for every staged file but results.json, sorted by name. */
static int build_manifest(sgdl_ctx *ctx, const sgdl_outset *s, cJSON **out) {
  struct dirent **names = NULL;
  int n = scandir(s->staging, &names, not_hidden, alphasort);
  if (n < 0) return sgdl_fail(ctx, SGDL_EIO, "cannot list %s (%s)", s->staging, strerror(errno));
  cJSON *m = cJSON_CreateObject();
  int rc = m ? SGDL_OK : sgdl_fail(ctx, SGDL_ENOMEM, "out of memory building the list of output files");
  for (int i = 0; i < n; i++) {
    char path[PATH_SIZE];
    cJSON *entry = NULL;
    if (!rc) rc = file_entry(ctx, sgdl_path_join(path, sizeof path, s->staging, names[i]->d_name), &entry);
    if (!rc && !cJSON_AddItemToObject(m, names[i]->d_name, entry)) {
      cJSON_Delete(entry);
      rc = sgdl_fail(ctx, SGDL_ENOMEM, "out of memory building the list of output files");
    }
    free(names[i]);
  }
  free(names);
  if (rc) cJSON_Delete(m);
  else *out = m;
  return rc;
}

/* The manifest of the set now in the folder into *out, or NULL (none, or not an sgdlab output
 * set). Fails (SGDL_ENOMEM) when memory ran out reading one: without it the earlier set's files
 * that this run does not make would be left beside the new set. */
static int folder_manifest(sgdl_ctx *ctx, const char *folder, cJSON **out) {
  *out = NULL;
  char path[PATH_SIZE];
  FILE *f = fopen(sgdl_path_join(path, sizeof path, folder, RESULTS_NAME), "rb");
  if (!f) return SGDL_OK;
  char *text = NULL;
  size_t len = 0, cap = 0, got;
  char chunk[65536];
  int oom = 0;
  while (!oom && (got = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (len + got + 1 > cap) {
      cap = 2 * (len + got + 1);
      char *t = realloc(text, cap);
      oom = !t;
      if (oom) break;
      text = t;
    }
    memcpy(text + len, chunk, got);
    len += got;
  }
  fclose(f);
  if (!text || oom) {
    free(text);
    return oom ? sgdl_fail(ctx, SGDL_ENOMEM, "out of memory reading the earlier set's %s", path) : SGDL_OK;
  }
  text[len] = 0;
  cJSON *root = cJSON_Parse(text);
  /* an sgdlab set whose manifest cannot be parsed: out of memory (the file was written whole) */
  oom = !root && strstr(text, "\"" MANIFEST_KEY "\"") != NULL;
  free(text);
  if (oom) return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory reading the earlier set's %s", path);
  cJSON *m = cJSON_DetachItemFromObjectCaseSensitive(root, MANIFEST_KEY);
  cJSON_Delete(root);
  if (m && !cJSON_IsObject(m)) cJSON_Delete(m), m = NULL;
  *out = m;
  return SGDL_OK;
}

/* ---- publishing --------------------------------------------------------------------------- */

/* Entries of the folder that belong to no earlier set are carried into the staged folder (files
 * as hard links, symbolic links recreated). Returns 0, or -1 if one cannot be carried (a folder). */
static int carry_foreign(const sgdl_outset *s, const cJSON *old) {
  DIR *d = opendir(s->real);
  if (!d) return -1;
  int rc = 0;
  for (struct dirent *e; rc == 0 && (e = readdir(d));) {
    const char *name = e->d_name;
    if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, LOCK_NAME) || !strcmp(name, RESULTS_NAME)) continue;
    if (old && cJSON_GetObjectItemCaseSensitive(old, name)) continue; /* the earlier set: replaced */
    long pid = trailing_pid(name, ".tmp-");
    if (pid > 0 && !pid_alive(pid)) continue;
    char from[PATH_SIZE], to[PATH_SIZE], target[PATH_SIZE];
    struct stat st;
    sgdl_path_join(from, sizeof from, s->real, name);
    sgdl_path_join(to, sizeof to, s->staging, name);
    if (lstat(to, &st) == 0) continue; /* this run writes the same name: the new file wins */
    if (lstat(from, &st) != 0) continue;
    if (S_ISREG(st.st_mode)) rc = link(from, to);
    else if (S_ISLNK(st.st_mode)) {
      ssize_t n = readlink(from, target, sizeof target - 1);
      rc = n < 0 ? -1 : (target[n] = 0, symlink(target, to));
    } else rc = -1;
  }
  closedir(d);
  return rc;
}

/* One atomic step: the staged folder and the folder trade places; the old set is then removed.
 * Returns 0, or -1 when the exchange is not possible here (nothing in the folder changed). */
static int publish_exchange(sgdl_outset *s, const cJSON *old) {
  struct stat st;
  char lock2[PATH_SIZE];
  int fd2 = -1;
  if (carry_foreign(s, old) != 0 || stat(s->real, &st) != 0) return -1;
  chmod(s->staging, st.st_mode & 07777);
  sgdl_path_join(lock2, sizeof lock2, s->staging, LOCK_NAME);
  if (take_lock(NULL, "--out", s->dir, lock2, &fd2) != SGDL_OK) return -1; /* the new folder is locked too */
  fsync_path(s->staging);
  if (renameat2(AT_FDCWD, s->staging, AT_FDCWD, s->real, RENAME_EXCHANGE) != 0) {
    drop_lock(&fd2, lock2);
    return -1;
  }
  fsync_path(s->parent);
  remove_tree(s->staging); /* now the earlier set, with its lock file */
  close(s->lock_fd);
  s->lock_fd = fd2; /* lock_path names it now */
  s->staging[0] = 0;
  return 0;
}

static int move_into_place(sgdl_ctx *ctx, const sgdl_outset *s, const char *name) {
  char from[PATH_SIZE], to[PATH_SIZE];
  sgdl_path_join(from, sizeof from, s->staging, name);
  sgdl_path_join(to, sizeof to, s->real, name);
  if (rename(from, to) == 0) return SGDL_OK;
  return sgdl_fail(ctx, SGDL_EIO, "cannot move %s into %s (%s)", name, s->dir, strerror(errno));
}

/* File by file: the new files, results.json last, then the earlier set's leftovers go. */
static int publish_moves(sgdl_ctx *ctx, sgdl_outset *s, const cJSON *manifest, const cJSON *old) {
  int rc = SGDL_OK;
  for (const cJSON *f = manifest->child; f && !rc; f = f->next) rc = move_into_place(ctx, s, f->string);
  if (!rc) rc = move_into_place(ctx, s, RESULTS_NAME);
  if (rc) return rc;
  fsync_path(s->real);
  for (const cJSON *f = old ? old->child : NULL; f; f = f->next) {
    char path[PATH_SIZE];
    if (strcmp(f->string, RESULTS_NAME) && strcmp(f->string, LOCK_NAME) && !strchr(f->string, '/') &&
        !cJSON_GetObjectItemCaseSensitive(manifest, f->string))
      unlink(sgdl_path_join(path, sizeof path, s->real, f->string));
  }
  remove_tree(s->staging);
  s->staging[0] = 0;
  return SGDL_OK;
}

/* A folder of the user's that has the name of a file of this run is never replaced (the exchange
 * or the moves would delete it with everything in it): the run fails and DIR stays as it was. */
static int check_no_folder_in_the_way(sgdl_ctx *ctx, const sgdl_outset *s, const cJSON *manifest) {
  char path[PATH_SIZE];
  struct stat st;
  if (lstat(sgdl_path_join(path, sizeof path, s->real, RESULTS_NAME), &st) == 0 && S_ISDIR(st.st_mode))
    return sgdl_fail(ctx, SGDL_EIO, "--out %s: %s is a folder; it is not replaced by this run's %s", s->dir, RESULTS_NAME,
                     RESULTS_NAME);
  for (const cJSON *f = manifest->child; f; f = f->next)
    if (lstat(sgdl_path_join(path, sizeof path, s->real, f->string), &st) == 0 && S_ISDIR(st.st_mode))
      return sgdl_fail(ctx, SGDL_EIO, "--out %s: %s is a folder; it is not replaced by this run's file of that name", s->dir,
                       f->string);
  return SGDL_OK;
}

int sgdl_outset_commit(sgdl_ctx *ctx, sgdl_outset *s, cJSON *results) {
  char path[PATH_SIZE];
  if (!s->active) return sgdl_json_write(ctx, sgdl_path_join(path, sizeof path, s->dir, RESULTS_NAME), results);
  if (s->committed) return sgdl_fail(ctx, SGDL_EINVAL, "--out %s: the output set was already written", s->dir);
  cJSON *manifest = NULL;
  int rc = build_manifest(ctx, s, &manifest);
  if (rc) return rc;
  rc = check_no_folder_in_the_way(ctx, s, manifest);
  if (rc) {
    cJSON_Delete(manifest);
    return rc;
  }
  if (!cJSON_AddItemToObject(results, MANIFEST_KEY, manifest)) {
    cJSON_Delete(manifest);
    return sgdl_fail(ctx, SGDL_ENOMEM, "out of memory adding the list of output files to %s", RESULTS_NAME);
  }
  rc = sgdl_json_write(ctx, sgdl_path_join(path, sizeof path, s->staging, RESULTS_NAME), results);
  cJSON *old = NULL;
  if (!rc) rc = folder_manifest(ctx, s->real, &old);
  if (!rc && !(s->beside && publish_exchange(s, old) == 0)) rc = publish_moves(ctx, s, manifest, old);
  if (!rc) s->committed = 1;
  cJSON_Delete(old);
  cJSON_DeleteItemFromObjectCaseSensitive(results, MANIFEST_KEY); /* the caller's tree as it was */
  return rc;
}

void sgdl_outset_close(sgdl_outset *s) {
  if (!s) return;
  if (s->active) {
    if (!s->committed && s->staging[0]) remove_tree(s->staging);
    drop_lock(&s->lock_fd, s->lock_path);
    if (!s->committed && s->created && s->real[0]) rmdir(s->real); /* only if empty */
  }
  free(s);
}
