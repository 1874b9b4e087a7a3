/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ufw_conf: /etc/default/ufw and /etc/ufw/ufw.conf read twice, as ufw's Python
 * (_get_defaults: policies, IPV6, LOGLEVEL) and as ufw-init's shell (ENABLED). */
#include "ufw_conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util.h"

#define UFW_DEFAULTS_PATH "/etc/default/ufw"
#define UFW_CONF_PATH	  "/etc/ufw/ufw.conf"
#define KERNEL_IPV6_PATH  "/proc/sys/net/ipv6"
#define MSG_VALUE_MAX	  64 /* bytes of a bad value quoted in a message */

/* The keys of Python's self.defaults we use, lowercased as ufw stores them. */
enum py_key { PY_IPV6, PY_INPUT, PY_OUTPUT, PY_FORWARD, PY_LOGLEVEL, PY_NKEYS };

static const char *const py_key_names[PY_NKEYS] = {
    [PY_IPV6] = "ipv6",
    [PY_INPUT] = "default_input_policy",
    [PY_OUTPUT] = "default_output_policy",
    [PY_FORWARD] = "default_forward_policy",
    [PY_LOGLEVEL] = "loglevel",
};

/* The shell variables of ufw-init-functions we use. */
enum sh_var { SH_ENABLED, SH_MANAGE_BUILTINS, SH_NVARS };

static const char *const sh_var_names[SH_NVARS] = {
    [SH_ENABLED] = "ENABLED",
    [SH_MANAGE_BUILTINS] = "MANAGE_BUILTINS",
};

static const char *const policy_names[] = {
    [UFW_POLICY_ACCEPT] = "accept",
    [UFW_POLICY_DROP] = "drop",
    [UFW_POLICY_REJECT] = "reject",
};

static const char *const loglevel_names[] = {
    [UFW_LOGLEVEL_OFF] = "off",	      [UFW_LOGLEVEL_LOW] = "low",
    [UFW_LOGLEVEL_MEDIUM] = "medium", [UFW_LOGLEVEL_HIGH] = "high",
    [UFW_LOGLEVEL_FULL] = "full",
};

/* Last value of one Python key (lowercased, quotes stripped) and its origin. */
struct py_value {
	char *value; /* NULL: never seen */
	const char *file;
	unsigned line;
};

struct conf_scan {
	struct py_value py[PY_NKEYS];
	char *sh[SH_NVARS]; /* NULL: never assigned; "" also for non-literals */
	bool sh_broken;	    /* a syntax error: ufw-init would stop there */
};

/*
 * Python's \w on one byte. Bytes >= 0x80 count as word characters: in the
 * UTF-8 text Python decodes, they are mostly letters, which \w matches.
 */
static bool py_word(unsigned char c)
{
	return c == '_' || (c >= '0' && c <= '9') ||
	       ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0x80;
}

/* str.strip()'s ASCII whitespace: \t \n \v \f \r, space and \x1c-\x1f. */
static bool py_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static size_t py_word_len(const char *s, size_t n)
{
	size_t k = 0;

	while (k < n && py_word((unsigned char)s[k]))
		k++;
	return k;
}

/* ASCII lowercase is enough: no Unicode character lowers into a value we
 * compare with except KELVIN SIGN -> 'k', and none of them holds a 'k'. */
static char *ascii_lower_dup(const char *s, size_t n)
{
	char *r = xstrndup(s, n);

	for (char *p = r; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p | 0x20);
	return r;
}

static int py_key_index(const char *key, size_t n)
{
	for (int i = 0; i < PY_NKEYS; i++)
		if (strlen(py_key_names[i]) == n && !strncasecmp(key, py_key_names[i], n))
			return i;
	return -1;
}

/*
 * One line as _get_defaults sees it: it counts only if it matches
 * ^\w+="?\w+"?; key = split('=')[0].lower(), value = split('=')[1] of the
 * stripped line, lowercased, with quotes stripped from both ends.
 */
static void py_line(struct conf_scan *s, const char *l, size_t n, const char *file,
		    unsigned line)
{
	size_t k = py_word_len(l, n), v, end, vend;
	const char *eq;
	int key;

	if (!k || k >= n || l[k] != '=')
		return;
	v = k + 1;
	if (v < n && l[v] == '"')
		v++;
	if (!py_word_len(l + v, n - v))
		return;
	key = py_key_index(l, k);
	if (key < 0)
		return;
	end = n;
	while (end > k + 1 && py_space((unsigned char)l[end - 1]))
		end--;
	v = k + 1;
	eq = memchr(l + v, '=', end - v);
	vend = eq ? (size_t)(eq - l) : end;
	while (v < vend && (l[v] == '"' || l[v] == '\''))
		v++;
	while (vend > v && (l[vend - 1] == '"' || l[vend - 1] == '\''))
		vend--;
	free(s->py[key].value);
	s->py[key] = (struct py_value){ascii_lower_dup(l + v, vend - v), file, line};
}

/* Feeds py_line the lines of Python's universal-newline reader (\n, \r\n, \r). */
static void py_scan(struct conf_scan *s, const struct ufw_conf_text *f)
{
	const char *p = f->text, *end = f->text + f->len;
	unsigned line = 0;

	while (p < end) {
		const char *e = p;

		while (e < end && *e != '\n' && *e != '\r')
			e++;
		py_line(s, p, (size_t)(e - p), f->name, ++line);
		if (e < end && *e == '\r' && e + 1 < end && e[1] == '\n')
			e++;
		p = e + 1;
	}
}

/* The shell reads the whole file: quotes may span lines; \r is an ordinary
 * character (so ENABLED=yes\r\n is not yes). */
struct sh_cursor {
	const char *p, *end;
	bool broken; /* an unterminated quote: a syntax error that stops ufw-init */
};

static bool sh_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool sh_name_char(char c, bool first)
{
	return c == '_' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	       (!first && c >= '0' && c <= '9');
}

/* A word ends at an unquoted blank, newline or operator character. */
static bool sh_word_end(char c)
{
	return sh_blank(c) || (c != '\0' && strchr("\n;&|<>()", c));
}

/* The inside of "..." from just after the opening quote; false on $ or `. */
static bool sh_dquote(struct sh_cursor *c, struct strbuf *out)
{
	bool literal = true;

	while (c->p < c->end && *c->p != '"') {
		if (*c->p == '\\' && c->p + 1 < c->end && strchr("$`\"\\\n", c->p[1]))
			c->p++;
		else if (*c->p == '$' || *c->p == '`')
			literal = false;
		sb_addc(out, *c->p++);
	}
	if (c->p == c->end) {
		c->broken = true;
		return false;
	}
	c->p++;
	return literal;
}

/* The inside of '...' from just after the opening quote. */
static void sh_squote(struct sh_cursor *c, struct strbuf *out)
{
	const char *q = memchr(c->p, '\'', (size_t)(c->end - c->p));

	if (!q) {
		c->broken = true;
		c->p = c->end;
		return;
	}
	sb_addn(out, c->p, (size_t)(q - c->p));
	c->p = q + 1;
}

/*
 * One shell word with its quotes removed into out. Returns false when its
 * value is not known without running a shell (an expansion).
 */
static bool sh_word(struct sh_cursor *c, struct strbuf *out)
{
	bool literal = true;

	while (c->p < c->end && !sh_word_end(*c->p)) {
		char ch = *c->p++;

		if (ch == '\'') {
			sh_squote(c, out);
		} else if (ch == '"') {
			literal &= sh_dquote(c, out);
		} else if (ch == '\\') {
			if (c->p < c->end && *c->p != '\n')
				sb_addc(out, *c->p);
			if (c->p < c->end) /* backslash-newline joins lines */
				c->p++;
		} else if (ch == '$' || ch == '`') {
			literal = false;
		} else {
			sb_addc(out, ch);
		}
	}
	return literal;
}

/* NAME= at the cursor: returns the variable we track (or SH_NVARS for any
 * other name) and moves past '='; -1 (cursor unchanged) if not an assignment. */
static int sh_assignment_name(struct sh_cursor *c)
{
	const char *q = c->p;
	size_t n;

	if (q == c->end || !sh_name_char(*q, true))
		return -1;
	while (q < c->end && sh_name_char(*q, false))
		q++;
	if (q == c->end || *q != '=')
		return -1;
	n = (size_t)(q - c->p);
	for (int i = 0; i < SH_NVARS; i++) {
		if (n == strlen(sh_var_names[i]) && !memcmp(c->p, sh_var_names[i], n)) {
			c->p = q + 1;
			return i;
		}
	}
	c->p = q + 1;
	return SH_NVARS;
}

static void sh_skip_blanks(struct sh_cursor *c)
{
	while (c->p < c->end && sh_blank(*c->p))
		c->p++;
}

/* Past the end of the current line, quotes included (a command we skip). */
static void sh_skip_line(struct sh_cursor *c)
{
	struct strbuf w = {0};

	while (c->p < c->end && *c->p != '\n') {
		if (sh_word_end(*c->p))
			c->p++;
		else
			sh_word(c, &w);
	}
	sb_free(&w);
}

static void sh_skip_comment(struct sh_cursor *c)
{
	const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));

	c->p = nl ? nl : c->end;
}

/* Parses a run of NAME=WORD (after an optional "export") into val; false
 * when a command word or an operator follows instead of ';', \n or # */
static bool sh_assignments(struct sh_cursor *c, char *val[SH_NVARS])
{
	bool is_export = false;

	sh_skip_blanks(c);
	if (c->end - c->p > 6 && !memcmp(c->p, "export", 6) && sh_blank(c->p[6])) {
		is_export = true;
		c->p += 6;
	}
	for (;;) {
		struct strbuf w = {0};
		int var;

		sh_skip_blanks(c);
		if (c->p == c->end || *c->p == ';' || *c->p == '\n' || *c->p == '#')
			return true;
		var = sh_assignment_name(c);
		if (var < 0 && (!is_export || sh_word_end(*c->p)))
			return false;
		if (!sh_word(c, &w))
			sb_reset(&w); /* not a literal: never yes */
		if (var >= 0 && var < SH_NVARS) {
			free(val[var]);
			val[var] = sb_detach(&w);
		}
		sb_free(&w);
	}
}

/*
 * One simple command, up to ';' or the end of the line: a run of assignments
 * that ends there (or at a comment) persists; one followed by a command word
 * is only that command's environment, and other commands are skipped.
 */
static void sh_command(struct conf_scan *s, struct sh_cursor *c)
{
	char *val[SH_NVARS] = {NULL};
	bool keep = sh_assignments(c, val);

	for (int i = 0; i < SH_NVARS; i++) {
		if (keep && val[i]) {
			free(s->sh[i]);
			s->sh[i] = val[i];
		} else {
			free(val[i]);
		}
	}
	if (!keep)
		sh_skip_line(c);
	else if (c->p < c->end && *c->p == '#')
		sh_skip_comment(c);
	if (c->p < c->end)
		c->p++; /* the ';' or newline */
}

static void sh_scan(struct conf_scan *s, const struct ufw_conf_text *f)
{
	struct sh_cursor c = {f->text, f->text + f->len, false};

	while (c.p < c.end && !c.broken)
		sh_command(s, &c);
	s->sh_broken |= c.broken;
}

static void conf_scan_free(struct conf_scan *s)
{
	for (int i = 0; i < PY_NKEYS; i++)
		free(s->py[i].value);
	for (int i = 0; i < SH_NVARS; i++)
		free(s->sh[i]);
}

static int name_index(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (streq(names[i], s))
			return (int)i;
	return -1;
}

static bool py_is(const struct conf_scan *s, enum py_key k, const char *value)
{
	return s->py[k].value && streq(s->py[k].value, value);
}

/* What the shell's [ "$VAR" = value ] gives; nothing after a syntax error. */
static bool sh_is(const struct conf_scan *s, enum sh_var v, const char *value)
{
	return !s->sh_broken && s->sh[v] && streq(s->sh[v], value);
}

/* Python's checks, in its order: the first missing or invalid policy fails. */
static int check_policies(const struct conf_scan *s, enum ufw_policy pol[3],
			  const char *defaults_file, struct diag *d)
{
	static const char *const chain[3] = {"input", "output", "forward"};

	for (int i = 0; i < 3; i++) {
		const struct py_value *v = &s->py[PY_INPUT + i];
		int p;

		if (!v->value) {
			diag_err(d, defaults_file, 0,
				 "missing policy for '%s' (DEFAULT_%s_POLICY)", chain[i],
				 i == 0	  ? "INPUT"
				 : i == 1 ? "OUTPUT"
					  : "FORWARD");
			return -EINVAL;
		}
		p = name_index(policy_names, ARRAY_SIZE(policy_names), v->value);
		if (p < 0) {
			diag_err(d, v->file, v->line, "invalid policy '%.*s' for '%s'",
				 MSG_VALUE_MAX, v->value, chain[i]);
			return -EINVAL;
		}
		pol[i] = (enum ufw_policy)p;
	}
	return 0;
}

/* LOGLEVEL missing or invalid: low, what `ufw enable` writes then. */
static enum ufw_loglevel pick_loglevel(const struct py_value *v, struct diag *d)
{
	int l;

	if (!v->value)
		return UFW_LOGLEVEL_LOW;
	l = name_index(loglevel_names, ARRAY_SIZE(loglevel_names), v->value);
	if (l >= 0)
		return (enum ufw_loglevel)l;
	diag_warn(d, v->file, v->line, "unknown LOGLEVEL '%.*s', using 'low' as ufw does",
		  MSG_VALUE_MAX, v->value);
	return UFW_LOGLEVEL_LOW;
}

int ufw_state_parse(struct ufw_state *st, const struct ufw_conf_text *files, size_t n,
		    bool kernel_ipv6, struct diag *d)
{
	struct conf_scan s = {0};
	enum ufw_policy pol[3];
	int err;

	for (size_t i = 0; i < n; i++) {
		py_scan(&s, &files[i]);
		sh_scan(&s, &files[i]);
	}
	err = check_policies(&s, pol, n ? files[0].name : NULL, d);
	if (err)
		goto out;
	*st = (struct ufw_state){
	    .ipv6 = kernel_ipv6 && py_is(&s, PY_IPV6, "yes"),
	    .enabled = sh_is(&s, SH_ENABLED, "yes") || sh_is(&s, SH_ENABLED, "YES"),
	    .input_policy = pol[0],
	    .output_policy = pol[1],
	    .forward_policy = pol[2],
	    .loglevel = pick_loglevel(&s.py[PY_LOGLEVEL], d),
	    .manage_builtins = sh_is(&s, SH_MANAGE_BUILTINS, "yes"),
	};
out:
	conf_scan_free(&s);
	return err;
}

static int read_all(const char *path, struct strbuf *sb)
{
	char buf[4096];
	FILE *f = fopen(path, "re");
	size_t got;
	int err = 0;

	if (!f)
		return -errno;
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_addn(sb, buf, got);
	if (ferror(f))
		err = -EIO;
	fclose(f);
	return err;
}

int ufw_state_load(struct ufw_state *st, const char *root, struct diag *d)
{
	static const char *const paths[2] = {UFW_DEFAULTS_PATH, UFW_CONF_PATH};
	struct strbuf text[2] = {{0}};
	struct ufw_conf_text files[2];
	char *names[2] = {NULL};
	int err = 0;

	for (int i = 0; i < 2 && !err; i++) {
		names[i] = path_under_root(root, paths[i]);
		err = read_all(names[i], &text[i]);
		if (err)
			diag_err(d, names[i], 0, "cannot read: %s", strerror(-err));
		files[i] =
		    (struct ufw_conf_text){names[i], sb_str(&text[i]), text[i].len};
	}
	if (!err)
		err =
		    ufw_state_parse(st, files, 2, access(KERNEL_IPV6_PATH, F_OK) == 0, d);
	for (int i = 0; i < 2; i++) {
		free(names[i]);
		sb_free(&text[i]);
	}
	return err;
}

const char *ufw_policy_name(enum ufw_policy p)
{
	static const char *const ufw_names[] = {
	    [UFW_POLICY_ACCEPT] = "allow",
	    [UFW_POLICY_DROP] = "deny",
	    [UFW_POLICY_REJECT] = "reject",
	};

	return (unsigned)p < ARRAY_SIZE(ufw_names) ? ufw_names[p] : "?";
}

const char *ufw_loglevel_name(enum ufw_loglevel l)
{
	return (unsigned)l < ARRAY_SIZE(loglevel_names) ? loglevel_names[l] : "?";
}
