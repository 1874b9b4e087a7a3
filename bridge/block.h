/* SPDX-License-Identifier: GPL-3.0-or-later */
/* block: finds, replaces, inserts and removes our managed block in a text file
 * (after*.rules, after.init) between BEGIN/END marker lines. Pure: strings in,
 * strings out; damaged markers are refused with the file and line. */
#ifndef UFWD_BLOCK_H
#define UFWD_BLOCK_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "util.h"

/* A kind of block: its marker lines and where it goes the first time. */
struct block_kind {
	const char *begin;  /* the BEGIN line, without any "(args)" */
	const char *end;    /* the END line */
	bool has_args;	    /* BEGIN may carry caller's "(...)" groups */
	bool after_shebang; /* insert after a first "#!" line, else append */
};

extern const struct block_kind block_kind_rules; /* after.rules, after6.rules */
extern const struct block_kind block_kind_init;	 /* after.init snippet */

/* Marked on BEGIN when we had to add a newline before the block (the file did
 * not end with one), so removing the block gives the original bytes back. */
#define BLOCK_NL_ADDED "(newline added)"

/* Where a block is in a text. */
struct block_loc {
	bool present;
	size_t start, stop;	       /* [start, stop): BEGIN line .. END line's '\n' */
	size_t body_start, body_stop;  /* the lines between BEGIN and END */
	unsigned begin_line, end_line; /* 1-based */
	bool nl_added;		       /* BEGIN carries BLOCK_NL_ADDED */
	char *args; /* BEGIN's other "(...)" groups, "" when none; caller frees */
};

/*
 * Locates the block of kind k in text (file names it in messages). Returns 0
 * (loc->present says whether there is one), or -EBADMSG after one message
 * "file:line: ..." for damaged markers: BEGIN without END, END without BEGIN,
 * two blocks, nested BEGIN, a marker line with extra text. Any line starting
 * with the marker's first words counts as a marker. loc->args is set on 0.
 */
int block_locate(const char *text, size_t len, const struct block_kind *k,
		 const char *file, struct block_loc *loc, struct diag *d);
void block_loc_free(struct block_loc *loc);

/*
 * Writes into out (reset first) text with the block of kind k set to body
 * (which should end with '\n'; one is added otherwise), BEGIN carrying args
 * ("" or "(...)" groups; ignored unless k->has_args). An existing block is
 * replaced in place (keeping its BLOCK_NL_ADDED mark), else the block is
 * inserted where k says. Everything outside the block is kept byte for byte.
 * Returns 0 or -EBADMSG (damaged markers, reported; out untouched).
 */
int block_set(const char *text, size_t len, const struct block_kind *k, const char *file,
	      const char *args, const char *body, struct strbuf *out, struct diag *d);

/*
 * Writes into out (reset first) text without the block of kind k. When there
 * was one, *removed is set to a copy of its BEGIN args (caller frees), else to
 * NULL and out holds text unchanged. A newline we added before the block goes
 * too while the block still ends the text, so block_set then block_remove
 * gives back the original bytes (lines appended after it stay lines).
 * Returns 0 or -EBADMSG (reported; out untouched).
 */
int block_remove(const char *text, size_t len, const struct block_kind *k,
		 const char *file, struct strbuf *out, char **removed, struct diag *d);

/*
 * The body of the block of kind k in text (the lines between BEGIN and END),
 * into out. Returns 1 when there is a block, 0 when none, -EBADMSG as above.
 */
int block_body(const char *text, size_t len, const struct block_kind *k, const char *file,
	       struct strbuf *out, struct diag *d);

/* after.init's BEGIN args: the file's mode before we touched it, or that we
 * created the file (then uninstall deletes it). */
#define BLOCK_INIT_CREATED 010000

/* "(mode 0640)" -> 0640, "(created)" -> BLOCK_INIT_CREATED, else -EBADMSG. */
int block_init_mode(const char *args);
/* The args for mode (0-07777 or BLOCK_INIT_CREATED); caller frees. */
char *block_init_args(int mode);

#endif
