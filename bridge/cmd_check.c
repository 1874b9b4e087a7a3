/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_check: `ufw-docker check [--json]`: every published container port from
 * Docker's live DNATs, its verdict from the live rules, and the problems. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmds.h"
#include "live.h"
#include "util.h"

static void print_ports(const struct live_survey *s, struct strbuf *out)
{
	struct strbuf h = {0}, c = {0};

	if (s->n_ports == 0)
		sb_adds(out, "No published container ports.\n");
	else
		sb_addf(out, "%-5s %-26s %-26s %-16s %-11s %s\n", "Proto", "Published",
			"Container", "Name", "Verdict", "Sources");
	for (size_t i = 0; i < s->n_ports; i++) {
		const struct live_port *lp = &s->ports[i];
		const char *fmt = lp->family == 6 ? "[%s]:%u" : "%s:%u";
		char *hs, *cs;

		sb_reset(&h);
		sb_reset(&c);
		live_port_host(lp, &h);
		live_port_container(lp, &c);
		hs = xasprintf(fmt, sb_str(&h), lp->port.host_port);
		cs = xasprintf(fmt, sb_str(&c), lp->port.container_port);
		sb_addf(out, "%-5s %-26s %-26s %-16s %-11s",
			live_proto_name(lp->port.proto), hs, cs,
			lp->container ? lp->container : "-",
			reach_verdict_name(lp->r.verdict));
		for (size_t k = 0; k < lp->r.n_sources; k++)
			sb_addf(out, "%s%s", k ? ", " : " ", lp->r.sources[k]);
		sb_addc(out, '\n');
		free(hs);
		free(cs);
	}
	sb_free(&h);
	sb_free(&c);
}

static int usage_error(void)
{
	fprintf(stderr, "Usage: ufw-docker check [--json]\n");
	return EXIT_USAGE;
}

int cmd_check(int argc, char **argv, const struct cli_opts *o)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
					     {NULL, 0, NULL, 0}};
	struct live_survey s;
	struct strbuf out = {0};
	struct diag d;
	bool json = false;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'j')
			return usage_error();
		json = true;
	}
	if (optind != argc)
		return usage_error();
	diag_init(&d, stderr);
	ret = live_survey(&s, o->root, o->config_path, &d);
	if (ret == 0 && json) {
		sb_addf(&out, "{\"ufw_active\":%s,\"backend\":\"%s\",",
			s.st.enabled ? "true" : "false", ufwd_backend_name(s.backend));
		live_ports_json(&s, &out);
		sb_addc(&out, ',');
		live_problems_json(&s, &out);
		sb_adds(&out, "}\n");
	} else if (ret == 0) {
		print_ports(&s, &out);
		live_problems_text(&s, &out);
	}
	fwrite(sb_str(&out), 1, out.len, stdout);
	if (ret == 0 && fflush(stdout) != 0)
		ret = -errno;
	if (ret == 0)
		ret = s.n_problems ? EXIT_PROBLEM : EXIT_OK;
	else
		ret = EXIT_FAIL;
	live_survey_free(&s);
	sb_free(&out);
	diag_free(&d);
	return ret;
}
