/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_show: `ufw-docker show added`: reads ufw's rule files under --root and
 * prints what `ufw show added` prints, warnings on stderr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "show_added.h"
#include "ufw_conf.h"
#include "ufw_rules.h"
#include "util.h"

static int usage_error(void)
{
	fprintf(stderr, "Usage: ufw-docker [--root DIR] show added\n");
	return EXIT_USAGE;
}

int cmd_show(int argc, char **argv, const struct cli_opts *o)
{
	struct ufw_ruleset rs = {0};
	struct strbuf out = {0};
	struct ufw_state st;
	struct diag d;
	int ret;

	for (int i = 2; i < argc; i++)
		if (!streq(argv[i], "--dry-run") && !streq(argv[i], "-n"))
			return usage_error();
	if (argc < 2 || !streq(argv[1], "added"))
		return usage_error();
	diag_init(&d, stderr);
	/* ufw reads user6.rules when IPV6=yes and the kernel has IPv6 */
	ret = ufw_state_load(&st, o->root, &d);
	if (ret == 0)
		ret = ufw_rules_load(o->root, st.ipv6 && ufw_kernel_has_ipv6(), &rs, &d);
	if (ret == 0) {
		show_added(&rs, &out, &d);
		fwrite(sb_str(&out), 1, out.len, stdout);
		if (fflush(stdout) != 0)
			ret = -errno;
	}
	sb_free(&out);
	ufw_ruleset_free(&rs);
	diag_free(&d);
	return ret == 0 ? EXIT_OK : EXIT_FAIL;
}
