/* SPDX-License-Identifier: GPL-3.0-or-later */
/* config: our INI file, read with inih through a table of keys (section, name,
 * default, setter); every unknown name or bad value is an error with its line. */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "util.h"

#define IFACE_MAX 15 /* IFNAMSIZ - 1, as ufw checks */
#define IFACE_CHARS                                                                      \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.+,=%@"
/* "[PREFIX LIMIT BLOCK] " must fit iptables' 29-byte --log-prefix. */
#define PREFIX_MAX    14
#define PREFIX_CHARS  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-"
#define MSG_VALUE_MAX 64 /* bytes of a bad value quoted in a message */
#define UTF8_BOM      "\xEF\xBB\xBF"

static const char *const backend_names[] = {
    [UFWD_BACKEND_AUTO] = "auto",
    [UFWD_BACKEND_IPTABLES] = "iptables",
    [UFWD_BACKEND_NFTABLES] = "nftables",
};

static const char *const tristate_names[] = {
    [UFWD_AUTO] = "auto",
    [UFWD_YES] = "yes",
    [UFWD_NO] = "no",
};

/* A setter replaces the field from text or appends why not to why. */
typedef int (*key_setter)(struct ufwd_config *c, const char *text, struct strbuf *why);

struct key_def {
	const char *section;
	const char *name;
	const char *def; /* the documented default, applied through set */
	key_setter set;
};

static int set_backend(struct ufwd_config *c, const char *text, struct strbuf *why);
static int set_ipv6(struct ufwd_config *c, const char *text, struct strbuf *why);
static int set_internal_ifaces(struct ufwd_config *c, const char *text,
			       struct strbuf *why);
static int set_log_prefix(struct ufwd_config *c, const char *text, struct strbuf *why);

static const struct key_def keys[] = {
    {"general", "backend", "auto", set_backend},
    {"general", "ipv6", "auto", set_ipv6},
    {"docker", "internal_interfaces", "docker0 br-+", set_internal_ifaces},
    {"logging", "prefix", "UFW DOCKER", set_log_prefix},
};

static const char *const sections[] = {"general", "docker", "logging"};

static int lookup(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (streq(names[i], s))
			return (int)i;
	return -1;
}

/* "a, b or c" from a name table, for messages. */
static void add_choices(struct strbuf *why, const char *const *names, size_t n)
{
	sb_adds(why, "expected ");
	for (size_t i = 0; i < n; i++)
		sb_addf(why, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", names[i]);
}

static int set_backend(struct ufwd_config *c, const char *text, struct strbuf *why)
{
	int i = lookup(backend_names, ARRAY_SIZE(backend_names), text);

	if (i < 0) {
		add_choices(why, backend_names, ARRAY_SIZE(backend_names));
		return -EINVAL;
	}
	c->backend = (enum ufwd_backend)i;
	return 0;
}

static int set_ipv6(struct ufwd_config *c, const char *text, struct strbuf *why)
{
	int i = lookup(tristate_names, ARRAY_SIZE(tristate_names), text);

	if (i < 0) {
		add_choices(why, tristate_names, ARRAY_SIZE(tristate_names));
		return -EINVAL;
	}
	c->ipv6 = (enum ufwd_tristate)i;
	return 0;
}

/* An interface name as ufw's set_interface accepts it ('+' is iptables'
 * wildcard); why gets the reason when it does not. */
static bool iface_valid(const char *name, size_t n, struct strbuf *why)
{
	if (n > IFACE_MAX)
		sb_addf(why, "interface '%.*s' is longer than %d characters",
			MSG_VALUE_MAX, name, IFACE_MAX);
	else if ((n == 1 && name[0] == '.') || (n == 2 && !memcmp(name, "..", 2)))
		sb_addf(why, "'%.*s' is not an interface name", (int)n, name);
	else if (strspn(name, IFACE_CHARS) < n)
		sb_addf(why,
			"interface '%.*s' has a character other than letters, digits and "
			"_-.+,=%%@",
			(int)n, name);
	else
		return true;
	return false;
}

static void free_ifaces(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool iface_listed(char *const *v, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(v[i]) == len && !memcmp(v[i], name, len))
			return true;
	return false;
}

/* Space- or tab-separated names; an empty list is allowed. */
static int set_internal_ifaces(struct ufwd_config *c, const char *text,
			       struct strbuf *why)
{
	char **v = NULL;
	size_t n = 0;

	for (const char *p = text + strspn(text, " \t"); *p; p += strspn(p, " \t")) {
		size_t len = strcspn(p, " \t");

		if (!iface_valid(p, len, why) ||
		    (iface_listed(v, n, p, len) &&
		     (sb_addf(why, "interface '%.*s' is listed twice", (int)len, p),
		      true))) {
			free_ifaces(v, n);
			return -EINVAL;
		}
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = xstrndup(p, len);
		p += len;
	}
	free_ifaces(c->internal_ifaces, c->n_internal_ifaces);
	c->internal_ifaces = v;
	c->n_internal_ifaces = n;
	return 0;
}

static int set_log_prefix(struct ufwd_config *c, const char *text, struct strbuf *why)
{
	size_t n = strlen(text);

	if (n == 0 || n > PREFIX_MAX)
		sb_addf(why, "the prefix must have 1 to %d characters", PREFIX_MAX);
	else if (strspn(text, PREFIX_CHARS) < n)
		sb_adds(why, "only letters, digits, space, '_' and '-' are allowed");
	else if (strstr(text, "UFW BLOCK") || strstr(text, "UFW ALLOW") ||
		 str_endswith(text, "UFW"))
		sb_adds(why, "'UFW BLOCK' and 'UFW ALLOW' belong to ufw's own log lines "
			     "(and 'ufw default' rewrites them)");
	else {
		free(c->log_prefix);
		c->log_prefix = xstrdup(text);
		return 0;
	}
	return -EINVAL;
}

void ufwd_config_defaults(struct ufwd_config *c)
{
	struct strbuf why = {0};

	*c = (struct ufwd_config){0};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (keys[i].set(c, keys[i].def, &why))
			abort(); /* a default that fails its own check is a bug */
	sb_free(&why);
}

void ufwd_config_free(struct ufwd_config *c)
{
	free_ifaces(c->internal_ifaces, c->n_internal_ifaces);
	free(c->log_prefix);
	*c = (struct ufwd_config){0};
}

const char *ufwd_backend_name(enum ufwd_backend b)
{
	return (unsigned)b < ARRAY_SIZE(backend_names) ? backend_names[b] : "?";
}

const char *ufwd_tristate_name(enum ufwd_tristate t)
{
	return (unsigned)t < ARRAY_SIZE(tristate_names) ? tristate_names[t] : "?";
}

/* State of one parse: inih's reader and handler both get it. */
struct parse_ctx {
	struct ufwd_config cfg; /* defaults, then what the file sets */
	const char *name;
	struct diag *d;
	FILE *f;
	char *buf; /* getline's buffer */
	size_t cap;
	unsigned line;	   /* the physical line inih is working on */
	bool indented;	   /* it starts with a blank (inih: a continuation) */
	bool section_done; /* the current unknown section was reported */
	unsigned seen[ARRAY_SIZE(keys)]; /* line each key was set on, 0: not yet */
	unsigned *err_lines;		 /* lines with a message, in order */
	size_t n_err;
};

static void parse_err(struct parse_ctx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Notes that the current line has its message (inih counts it as an error). */
static void mark_line(struct parse_ctx *x)
{
	x->err_lines = xrealloc(x->err_lines, (x->n_err + 1) * sizeof(*x->err_lines));
	x->err_lines[x->n_err++] = x->line;
}

static void parse_err(struct parse_ctx *x, const char *fmt, ...)
{
	struct strbuf sb = {0};
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	diag_err(x->d, x->name, x->line, "%s", sb_str(&sb));
	sb_free(&sb);
	mark_line(x);
}

static bool section_known(const char *s, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(sections); i++)
		if (strlen(sections[i]) == n && !memcmp(sections[i], s, n))
			return true;
	return false;
}

/* A "[name]" line at the start of a line opens a section for inih: report an
 * unknown one here, so that an empty unknown section is an error too. */
static void note_section(struct parse_ctx *x, const char *s)
{
	const char *end;

	if (x->line == 1 && str_startswith(s, UTF8_BOM))
		s += strlen(UTF8_BOM);
	if (*s != '[')
		return;
	x->section_done = false;
	end = strchr(s + 1, ']');
	if (end && !section_known(s + 1, (size_t)(end - s - 1))) {
		parse_err(x, "unknown section [%.*s]", (int)(end - s - 1), s + 1);
		x->section_done = true;
	}
}

/*
 * inih's fgets-style reader: one physical line per call, so inih's line
 * numbers are ours. A line too long for inih's buffer is an error and goes
 * to inih as an empty line.
 */
static char *cfg_reader(char *str, int num, void *stream)
{
	struct parse_ctx *x = stream;
	ssize_t n = getline(&x->buf, &x->cap, x->f);
	size_t len;

	if (n < 0 || num < 4)
		return NULL;
	x->line++;
	len = strcspn(x->buf, "\r\n");
	if (len > (size_t)num - 3) {
		parse_err(x, "line longer than %d characters", num - 3);
		strcpy(str, "\n");
		return str;
	}
	memcpy(str, x->buf, (size_t)n < (size_t)num - 1 ? (size_t)n : (size_t)num - 1);
	str[(size_t)n < (size_t)num - 1 ? (size_t)n : (size_t)num - 1] = '\0';
	x->indented = str[0] == ' ' || str[0] == '\t';
	note_section(x, str);
	return str;
}

static const struct key_def *find_key(const char *section, const char *name, size_t *idx)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (streq(keys[i].section, section) && streq(keys[i].name, name)) {
			*idx = i;
			return &keys[i];
		}
	}
	return NULL;
}

/* A key in a section we do not know: one message per such section. */
static int bad_section_key(struct parse_ctx *x, const char *section, const char *name)
{
	if (!*section)
		parse_err(x, "key '%s' is outside any section", name);
	else if (!x->section_done)
		parse_err(x, "unknown section [%s]", section);
	else
		mark_line(x); /* its section header has the message */
	x->section_done = true;
	return 0;
}

static int cfg_handler(void *user, const char *section, const char *name,
		       const char *value)
{
	struct parse_ctx *x = user;
	struct strbuf why = {0};
	const struct key_def *k;
	size_t i;

	if (!section_known(section, strlen(section)))
		return bad_section_key(x, section, name);
	k = find_key(section, name, &i);
	if (!k) {
		parse_err(x, "unknown key '%s' in section [%s]", name, section);
		return 0;
	}
	if (x->seen[i] && x->indented) {
		parse_err(x,
			  "key '%s' in section [%s] goes on over an indented line "
			  "(a value is one line: remove the indentation)",
			  name, section);
		return 0;
	}
	if (x->seen[i]) {
		parse_err(x, "duplicate key '%s' in section [%s] (first set on line %u)",
			  name, section, x->seen[i]);
		return 0;
	}
	x->seen[i] = x->line;
	if (k->set(&x->cfg, value, &why)) {
		parse_err(x, "bad value '%.*s' for key '%s' in section [%s]: %s",
			  MSG_VALUE_MAX, value, name, section, sb_str(&why));
		sb_free(&why);
		return 0;
	}
	return 1;
}

static bool line_reported(const struct parse_ctx *x, unsigned line)
{
	for (size_t i = 0; i < x->n_err; i++)
		if (x->err_lines[i] == line)
			return true;
	return false;
}

/* Parses f over the defaults; *c is replaced only on success. */
static int parse_file(struct ufwd_config *c, FILE *f, const char *name, struct diag *d)
{
	struct parse_ctx x = {.name = name, .d = d, .f = f};
	int r, err = 0;

	ufwd_config_defaults(&x.cfg);
	r = ini_parse_stream(cfg_reader, &x, cfg_handler, &x);
	if (ferror(f)) {
		diag_err(d, name, 0, "read error: %s", strerror(errno));
		err = -EIO;
	} else if (r < 0) {
		diag_err(d, name, 0, "out of memory");
		err = -ENOMEM;
	} else if (r > 0 && !line_reported(&x, (unsigned)r)) {
		x.line = (unsigned)r;
		parse_err(
		    &x, "syntax error: expected '[section]', 'key = value' or a comment");
	}
	if (!err && x.n_err)
		err = -EINVAL;
	if (err) {
		ufwd_config_free(&x.cfg);
	} else {
		ufwd_config_free(c);
		*c = x.cfg;
	}
	free(x.buf);
	free(x.err_lines);
	return err;
}

int ufwd_config_load(struct ufwd_config *c, const char *path, struct diag *d)
{
	FILE *f = fopen(path, "re");
	int err;

	if (!f && errno == ENOENT) {
		ufwd_config_free(c);
		ufwd_config_defaults(c);
		return 0;
	}
	if (!f) {
		err = -errno;
		diag_err(d, path, 0, "cannot open: %s", strerror(-err));
		return err;
	}
	err = parse_file(c, f, path, d);
	fclose(f);
	return err;
}

int ufwd_config_load_string(struct ufwd_config *c, const char *text, const char *name,
			    struct diag *d)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int err;

	if (!f) {
		err = -errno;
		diag_err(d, name, 0, "cannot read from memory: %s", strerror(-err));
		return err;
	}
	err = parse_file(c, f, name, d);
	fclose(f);
	return err;
}
