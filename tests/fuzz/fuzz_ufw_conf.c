/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_ufw_conf: libFuzzer target for ufw's shell-style files as ufw_conf
 * reads them (/etc/default/ufw, then ufw.conf, split at a form feed). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "ufw_conf.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

/* A copy of [s, s + n) in a buffer of exactly n bytes (an over-read trips ASan). */
static char *exact(const uint8_t *s, size_t n)
{
	char *p = malloc(n ? n : 1);

	check(p != NULL);
	if (n)
		memcpy(p, s, n);
	return p;
}

/* Byte parity: whether /proc/sys/net/ipv6 exists; the text up to the first
 * form feed is /etc/default/ufw, the rest ufw.conf (each NUL bytes and all). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *ff = memchr(data, '\f', size);
	size_t n0 = ff ? (size_t)(ff - data) : size;
	size_t n1 = ff ? size - n0 - 1 : 0;
	char *t0 = exact(data, n0), *t1 = exact(ff ? ff + 1 : data, n1);
	struct ufw_conf_text f[2] = {{"default", t0, n0}, {"ufw.conf", t1, n1}};
	unsigned char untouched[sizeof(struct ufw_state)];
	struct ufw_state st, st2;
	struct diag d;
	int ret;

	diag_init(&d, NULL);
	memset(&st, 0xa5, sizeof(st));
	memset(untouched, 0xa5, sizeof(untouched));
	ret = ufw_state_parse(&st, f, 2, size & 1, &d);
	check(ret == 0 || ret == -EINVAL);
	/* A failure says so once and leaves *st alone. */
	check(ret == 0 ? d.errors == 0 : d.errors == 1);
	if (ret < 0) {
		check(!memcmp(&st, untouched, sizeof(st)));
	} else {
		check(!streq(ufw_policy_name(st.input_policy), "?"));
		check(!streq(ufw_policy_name(st.output_policy), "?"));
		check(!streq(ufw_policy_name(st.forward_policy), "?"));
		check(!streq(ufw_loglevel_name(st.loglevel), "?"));
		/* Without the kernel's IPv6 ufw never turns it on. */
		check(st.ipv6 == 0 || (size & 1));
		/* The same texts read again: the same state. */
		memset(&st2, 0, sizeof(st2));
		check(ufw_state_parse(&st2, f, 2, size & 1, &d) == 0);
		check(st.ipv6 == st2.ipv6 && st.enabled == st2.enabled &&
		      st.input_policy == st2.input_policy &&
		      st.output_policy == st2.output_policy &&
		      st.forward_policy == st2.forward_policy &&
		      st.loglevel == st2.loglevel &&
		      st.manage_builtins == st2.manage_builtins);
	}
	diag_free(&d);
	free(t0);
	free(t1);
	return 0;
}
