/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fileio: whole-file reads and atomic replacement of a file (temp file in the
 * same directory, fsync, rename, fsync of the directory; mode and owner kept). */
#ifndef UFWD_FILEIO_H
#define UFWD_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "diag.h"
#include "util.h"

/*
 * Reads all of path into out (replacing its content; out may then hold NUL
 * bytes, out->len counts them). Returns 0; 1 when missing_ok and the file does
 * not exist (out empty, no message); or -errno after one message naming path.
 */
int file_read(const char *path, struct strbuf *out, bool missing_ok, struct diag *d);

/* Mode for file_write_atomic: keep the existing file's mode. */
#define FILE_MODE_KEEP (-1)

/*
 * Replaces path with len bytes of data, atomically: readers see the old or the
 * new content, never a mix, and a crash leaves one of them. An existing file's
 * owner and group are kept, and its mode unless mode >= 0 is given; a new file
 * gets mode (0600 when FILE_MODE_KEEP). No temporary file is left behind, even
 * on failure. Returns 0 or -errno after one message naming path.
 */
int file_write_atomic(const char *path, const void *data, size_t len, int mode,
		      struct diag *d);

/* Removes path and syncs its directory. Returns 0 or -errno (one message). */
int file_remove(const char *path, struct diag *d);

/* The permission bits (07777) of path, or -errno (no message). */
int file_mode(const char *path);

/* A change to one file, planned before anything is written. */
struct file_change {
	char *path;	   /* owned */
	bool existed;	   /* the file was there */
	int old_mode;	   /* its permission bits, -1 when it was missing */
	struct strbuf old; /* its content ("" when missing) */
	struct strbuf new; /* the content it should have */
	int new_mode;	   /* FILE_MODE_KEEP or the bits to set */
	bool remove;	   /* delete the file instead */
};

/*
 * Starts a plan for path: reads its content and mode into c (new = old, mode
 * kept). Returns 0 (c->existed false when missing), or -errno (reported).
 */
int file_change_load(struct file_change *c, const char *path, struct diag *d);
/* Whether applying c would change anything on disk (a missing file that
 * would stay empty is left missing). */
bool file_change_needed(const struct file_change *c);
/* Prints to f a simple line diff of c (nothing when not needed). */
void file_change_diff(const struct file_change *c, FILE *f);
/* Writes (atomically) or removes the file as planned, if needed. */
int file_change_apply(const struct file_change *c, struct diag *d);
void file_change_free(struct file_change *c);

#endif
