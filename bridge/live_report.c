/* SPDX-License-Identifier: GPL-3.0-or-later */
/* live_report: the survey as status and check print it: the problems and ports
 * as JSON arrays, the problems as text, addresses and protocol names. */
#include "live.h"

#include <arpa/inet.h>

#include "json.h"

/* ---- output helpers ---- */

const char *live_proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "udp" : proto == IPPROTO_SCTP ? "sctp" : "tcp";
}

static void addr_text(int family, const struct in6_addr *a, struct strbuf *out)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, buf, sizeof(buf));
	sb_adds(out, buf);
}

void live_port_host(const struct live_port *lp, struct strbuf *out)
{
	if (lp->port.has_host_addr)
		addr_text(lp->family, &lp->port.host, out);
	else
		sb_adds(out, lp->family == 6 ? "::" : "0.0.0.0");
}

void live_port_container(const struct live_port *lp, struct strbuf *out)
{
	addr_text(lp->family, &lp->port.container, out);
}

static void str_array(struct strbuf *out, char **v, size_t n)
{
	sb_addc(out, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_addc(out, ',');
		json_str(out, v[i]);
	}
	sb_addc(out, ']');
}

void live_problems_json(const struct live_survey *s, struct strbuf *out)
{
	json_key(out, "problems");
	sb_addc(out, '[');
	for (size_t i = 0; i < s->n_problems; i++) {
		const struct live_problem *p = &s->problems[i];

		sb_adds(out, i ? ",{" : "{");
		json_key(out, "kind");
		json_str(out, p->kind);
		sb_addf(out, ",\"family\":%d,", p->family);
		json_key(out, "message");
		json_str(out, p->message);
		sb_addc(out, ',');
		json_key(out, "fix");
		json_str(out, p->fix);
		sb_addc(out, '}');
	}
	sb_addc(out, ']');
}

static void port_json(const struct live_port *lp, struct strbuf *out)
{
	struct strbuf a = {0};

	sb_addf(out, "{\"family\":%d,\"proto\":\"%s\",", lp->family,
		live_proto_name(lp->port.proto));
	live_port_host(lp, &a);
	json_key(out, "host_addr");
	json_str(out, sb_str(&a));
	sb_reset(&a);
	sb_addf(out, ",\"host_port\":%u,", lp->port.host_port);
	live_port_container(lp, &a);
	json_key(out, "container_addr");
	json_str(out, sb_str(&a));
	sb_addf(out, ",\"container_port\":%u,", lp->port.container_port);
	json_key(out, "container");
	json_str(out, lp->container);
	sb_addf(out, ",\"verdict\":\"%s\",", reach_verdict_name(lp->r.verdict));
	json_key(out, "sources");
	str_array(out, lp->r.sources, lp->r.n_sources);
	sb_addc(out, ',');
	json_key(out, "denied");
	str_array(out, lp->r.denied, lp->r.n_denied);
	sb_addf(out, ",\"uncertain\":%u}", lp->r.uncertain);
	sb_free(&a);
}

void live_ports_json(const struct live_survey *s, struct strbuf *out)
{
	json_key(out, "ports");
	sb_addc(out, '[');
	for (size_t i = 0; i < s->n_ports; i++) {
		if (i)
			sb_addc(out, ',');
		port_json(&s->ports[i], out);
	}
	sb_addc(out, ']');
}

void live_problems_text(const struct live_survey *s, struct strbuf *out)
{
	if (s->n_problems)
		sb_adds(out, "\nProblems:\n");
	for (size_t i = 0; i < s->n_problems; i++) {
		const struct live_problem *p = &s->problems[i];

		sb_addf(out, "  %s: %s\n", p->kind, p->message);
		if (p->fix)
			sb_addf(out, "    fix: %s\n", p->fix);
	}
}
