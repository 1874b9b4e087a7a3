/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_uninstall: placeholder until the module lands (fails loudly, never pretends). */
#include <stdio.h>

#include "cmds.h"

int cmd_uninstall(int argc, char **argv, const struct cli_opts *o)
{
	(void)argc;
	(void)argv;
	(void)o;
	fprintf(stderr, "ufw-docker: 'uninstall' is not implemented yet\n");
	return EXIT_FAIL;
}
