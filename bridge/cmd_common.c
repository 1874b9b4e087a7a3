/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_common: the --dry-run command line and the lock, plan, show or commit
 * sequence of the commands that change ufw's files and the live rules. */
#include "cmd_common.h"

#include <stdio.h>

#include "iptables.h"
#include "lock.h"
#include "util.h"

int cmd_dry_run_args(int argc, char **argv, const char *name, bool *dry)
{
	for (int i = 1; i < argc; i++) {
		if (streq(argv[i], "--dry-run") || streq(argv[i], "-n")) {
			*dry = true;
		} else {
			fprintf(stderr, "Usage: ufw-docker [OPTIONS] %s [--dry-run]\n",
				name);
			return EXIT_USAGE;
		}
	}
	return 0;
}

bool cmd_files_need_change(const struct file_change *files, int n)
{
	for (int i = 0; i < n; i++)
		if (file_change_needed(&files[i]))
			return true;
	return false;
}

void cmd_files_free(struct file_change *files, int n)
{
	for (int i = 0; i < n; i++)
		file_change_free(&files[i]);
}

void cmd_print_files(const struct file_change *files, int n)
{
	for (int i = 0; i < n; i++)
		file_change_diff(&files[i], stdout);
}

void cmd_print_ipt_tx(enum ufw_family fam, const struct strbuf *tx)
{
	if (tx->len)
		printf("# %s -n input (IPv%d):\n%s", ipt_cmd(fam, IPT_DEFAULT, true),
		       (int)fam, sb_str(tx));
}

int cmd_plan_run(const struct cmd_plan_ops *ops, void *c, const struct cli_opts *o,
		 bool dry, struct diag *d)
{
	int lock = -1, ret;

	if (!dry) {
		lock = ufw_lock_take(o->root, d);
		if (lock < 0)
			return lock;
	}
	ret = ops->plan(c);
	if (ret == 0 && !ops->anything_to_do(c)) {
		if (!o->quiet)
			printf("ufw-docker: %s\n", ops->nothing);
	} else if (ret == 0 && dry) {
		ops->print_plan(c);
	} else if (ret == 0) {
		ret = ops->commit(c);
	}
	ufw_lock_release(lock);
	return ret;
}
