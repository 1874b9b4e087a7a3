/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_ini: libFuzzer target for our INI file (/etc/ufw-docker/ufw-docker.conf,
 * config.c over inih): checked values on success, nothing changed on failure. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "diag.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

/* What a loaded configuration must hold, whatever the file said. */
static void valid(const struct ufwd_config *c)
{
	static const char ifchars[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.+,=%@";
	static const char pfchars[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-";
	size_t n = strlen(c->log_prefix);

	check(!streq(ufwd_backend_name(c->backend), "?"));
	check(!streq(ufwd_tristate_name(c->ipv6), "?"));
	/* "[PREFIX LIMIT BLOCK] " fits iptables' 29 bytes; ufw cannot rewrite it. */
	check(n >= 1 && n <= 14 && strspn(c->log_prefix, pfchars) == n);
	check(!strstr(c->log_prefix, "UFW BLOCK") && !strstr(c->log_prefix, "UFW ALLOW"));
	check(!str_endswith(c->log_prefix, "UFW"));
	for (size_t i = 0; i < c->n_internal_ifaces; i++) {
		const char *s = c->internal_ifaces[i];
		size_t len = strlen(s);

		check(len >= 1 && len <= 15 && strspn(s, ifchars) == len);
		check(!streq(s, ".") && !streq(s, ".."));
		for (size_t j = 0; j < i; j++)
			check(!streq(s, c->internal_ifaces[j]));
	}
}

/* The configuration written back as INI. */
static char *render(const struct ufwd_config *c)
{
	struct strbuf sb = {0};

	sb_addf(&sb,
		"[general]\nbackend = %s\nipv6 = %s\n[docker]\ninternal_interfaces =",
		ufwd_backend_name(c->backend), ufwd_tristate_name(c->ipv6));
	for (size_t i = 0; i < c->n_internal_ifaces; i++)
		sb_addf(&sb, " %s", c->internal_ifaces[i]);
	sb_addf(&sb, "\n[logging]\nprefix = %s\n", c->log_prefix);
	return sb_detach(&sb);
}

static int equal(const struct ufwd_config *a, const struct ufwd_config *b)
{
	if (a->backend != b->backend || a->ipv6 != b->ipv6 ||
	    !streq(a->log_prefix, b->log_prefix) ||
	    a->n_internal_ifaces != b->n_internal_ifaces)
		return 0;
	for (size_t i = 0; i < a->n_internal_ifaces; i++)
		if (!streq(a->internal_ifaces[i], b->internal_ifaces[i]))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size); /* stops at a NUL */
	struct ufwd_config c, again;
	char *prefix, **ifaces, *back;
	struct diag d;
	int ret;

	diag_init(&d, NULL);
	ufwd_config_defaults(&c);
	prefix = c.log_prefix;
	ifaces = c.internal_ifaces;
	ret = ufwd_config_load_string(&c, text, "fuzz", &d);
	check(ret == 0 || ret == -EINVAL);
	check((ret < 0) == (d.errors > 0));
	if (ret < 0) {
		/* Refused: the defaults stay, the very same ones. */
		check(c.log_prefix == prefix && c.internal_ifaces == ifaces);
	} else {
		valid(&c);
		/* Written back and read again: the same configuration. */
		back = render(&c);
		ufwd_config_defaults(&again);
		check(ufwd_config_load_string(&again, back, "back", &d) == 0);
		check(equal(&c, &again));
		ufwd_config_free(&again);
		free(back);
	}
	ufwd_config_free(&c);
	diag_free(&d);
	free(text);
	return 0;
}
