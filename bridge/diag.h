/* SPDX-License-Identifier: GPL-3.0-or-later */
/* diag: the one sink for warnings and errors, each naming the file and line of
 * the bad input ("FILE:LINE: warning: ..."). Counts what it reported. */
#ifndef UFWD_DIAG_H
#define UFWD_DIAG_H

#include <stdio.h>

#include "util.h"

enum diag_level { DIAG_WARN, DIAG_ERROR };

struct diag {
	FILE *stream;	    /* where messages go; NULL: only kept */
	unsigned warnings;  /* warnings reported so far */
	unsigned errors;    /* errors reported so far */
	struct strbuf kept; /* every message, when keep is true (tests) */
	int keep;
};

/* A diag writing to stream (may be NULL), not keeping messages. */
void diag_init(struct diag *d, FILE *stream);
void diag_free(struct diag *d);

/* file may be NULL (no location); line 0 means "the whole file". */
void diag_report(struct diag *d, enum diag_level lvl, const char *file,
		 unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#define diag_warn(d, f, l, ...) diag_report(d, DIAG_WARN, f, l, __VA_ARGS__)
#define diag_err(d, f, l, ...) diag_report(d, DIAG_ERROR, f, l, __VA_ARGS__)

#endif
