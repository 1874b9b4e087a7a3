/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_config: libFuzzer target feeding one input to both config readers:
 * our INI (ufwd_config_load_string) and ufw's files (ufw_state_parse). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "diag.h"
#include "ufw_conf.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ufw's two files: the input split at its first form feed, if any. */
static void fuzz_ufw_conf(const char *text, size_t size, struct diag *d)
{
	const char *ff = memchr(text, '\f', size);
	size_t n0 = ff ? (size_t)(ff - text) : size;
	struct ufw_conf_text f[2] = {
	    {"default", text, n0},
	    {"ufw.conf", ff ? ff + 1 : text + size, ff ? size - n0 - 1 : 0},
	};
	struct ufw_state st;

	if (ufw_state_parse(&st, f, 2, size & 1, d) == 0) {
		if (!ufw_policy_name(st.input_policy) || !ufw_loglevel_name(st.loglevel))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size); /* stops at a NUL */
	struct ufwd_config c;
	struct diag d;

	diag_init(&d, NULL);
	ufwd_config_defaults(&c);
	if (ufwd_config_load_string(&c, text, "fuzz", &d) == 0 && !c.log_prefix)
		abort();
	ufwd_config_free(&c);
	fuzz_ufw_conf((const char *)data, size, &d);
	diag_free(&d);
	free(text);
	return 0;
}
