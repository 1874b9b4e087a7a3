/* SPDX-License-Identifier: GPL-3.0-or-later */
/* util: memory that cannot fail (abort on OOM), a growable string buffer and
 * small string helpers. Everything here is pure and has no global state. */
#ifndef UFWD_UTIL_H
#define UFWD_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocators: never return NULL, abort with a message on exhaustion. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Growable, always NUL-terminated byte buffer. Zero-initialise to use. */
struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};

void sb_addn(struct strbuf *sb, const char *s, size_t n);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addc(struct strbuf *sb, char c);
void sb_addf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Returns the buffer (caller frees) and resets sb; never NULL. */
char *sb_detach(struct strbuf *sb);
void sb_reset(struct strbuf *sb);
void sb_free(struct strbuf *sb);
/* Always a valid C string, "" when empty. */
const char *sb_str(const struct strbuf *sb);

bool str_startswith(const char *s, const char *prefix);
bool str_endswith(const char *s, const char *suffix);
bool streq(const char *a, const char *b);

/* Length of the valid UTF-8 sequence at p (1 for ASCII), or 0 when the bytes
 * are not strict UTF-8 (Python's decoder: no overlong forms, surrogates or
 * code points above U+10FFFF), or fewer than n bytes hold it. */
size_t utf8_seq_len(const unsigned char *p, size_t n);

/* Joins a root prefix ("" or NULL for none) with an absolute path. */
char *path_under_root(const char *root, const char *abs_path);

#endif
