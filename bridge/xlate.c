/* SPDX-License-Identifier: GPL-3.0-or-later */
/* xlate: turns ufw's rules of one family into the iptables-restore text of our
 * ufw-docker-* chains for forwarded (DNAT'd) container traffic; pure, no I/O. */
#include "xlate.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#define DEFAULT_LOG_PREFIX "UFW DOCKER"
#define LOG_LIMIT	   " -m limit --limit 3/min --limit-burst 10"
/* iptables' LOG target keeps at most 29 bytes of prefix. */
#define LOG_PREFIX_MAX 29

/* The chains we declare, in the order their rules are written. */
static const char *const our_chains[] = {UFWD_CHAIN_ENTRY, UFWD_CHAIN_INPUT,
					 UFWD_CHAIN_LIMIT};

struct xlate {
	enum ufw_family fam;
	const struct ufw_state *st;
	const struct ufwd_config *cfg;
	const char *prefix; /* cfg->log_prefix or the default */
	struct diag *d;
	struct strbuf *out; /* the block being built */
};

/* What each action becomes; a NULL target means the limit pattern. */
static const struct {
	const char *target;
	const char *log_word;
} actions[] = {
    [UFW_ALLOW] = {"RETURN", "ALLOW"},
    [UFW_DENY] = {"DROP", "BLOCK"},
    [UFW_REJECT] = {"REJECT", "BLOCK"},
    [UFW_LIMIT] = {NULL, "LIMIT"},
};

/* DEFAULT_INPUT_POLICY at the end of ufw-docker-input (REJECT is plain, as
 * ufw-reject-input). */
static const struct {
	const char *target;
	const char *log_word;
} policies[] = {
    [UFW_POLICY_ACCEPT] = {"RETURN", "ALLOW"},
    [UFW_POLICY_DROP] = {"DROP", "BLOCK"},
    [UFW_POLICY_REJECT] = {"REJECT", "BLOCK"},
};

/* ufw's _get_logging_rules for the after-logging chains (ufw-internals 3.3). */
static const struct {
	bool log_block; /* log what the drop/reject policy blocks */
	bool log_allow; /* log new connections an accept policy lets in */
	bool limited;	/* rate limit those LOG rules */
} levels[] = {
    [UFW_LOGLEVEL_OFF] = {false, false, false}, [UFW_LOGLEVEL_LOW] = {true, false, true},
    [UFW_LOGLEVEL_MEDIUM] = {true, true, true}, [UFW_LOGLEVEL_HIGH] = {true, true, false},
    [UFW_LOGLEVEL_FULL] = {true, true, false},
};

/* The protocols ufw 0.36 accepts besides "any". */
static const struct proto_info {
	const char *name;
	bool ports;    /* may carry ports */
	bool v4_only;  /* never valid in user6.rules */
	bool v6_never; /* an IPv6 extension header: ip6tables -p never matches it */
} protos[] = {
    {"tcp", true, false, false},  {"udp", true, false, false},
    {"esp", false, false, false}, {"ah", false, false, true},
    {"gre", false, false, false}, {"vrrp", false, false, false},
    {"ipv6", false, true, false}, {"igmp", false, true, false},
};

static const struct proto_info *proto_lookup(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(protos); i++)
		if (streq(protos[i].name, name))
			return &protos[i];
	return NULL;
}

/* Only characters ufw itself allows; nothing else ever reaches the output. */
static bool only_chars(const char *s, size_t max, const char *extra)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return false;
	return true;
}

static bool iface_ok(const char *s)
{
	return !*s || only_chars(s, UFW_IFNAMSIZ - 1, "_-.+,=%@");
}

static bool addr_ok(const char *s)
{
	size_t n = strlen(s);

	return n && n <= 43 && strspn(s, "0123456789abcdefABCDEF:./") == n;
}

/* conntrack's --ctorig* address options take only a prefix length: a v4
 * dotted (non-contiguous, as ufw keeps it) mask would be misread. */
static bool dotted_mask(const char *addr)
{
	const char *slash = strchr(addr, '/');

	return slash && strchr(slash, '.');
}

static void add_item(struct strbuf *sb, const struct port_item *it)
{
	if (it->lo == it->hi)
		sb_addf(sb, "%u", it->lo);
	else
		sb_addf(sb, "%u:%u", it->lo, it->hi);
}

/*
 * " --Xport P", or " -m multiport --Xports P,Q" when multi. As ufw, each
 * multiport port list gets its own -m multiport: after one, a plain --sport
 * would be taken for multiport's --sports.
 */
static void add_ports(struct strbuf *sb, const struct port_spec *ps, char which,
		      bool multi)
{
	if (ps->n == 0)
		return;
	sb_addf(sb, multi ? " -m multiport --%cports " : " --%cport ", which);
	for (unsigned i = 0; i < ps->n; i++) {
		if (i)
			sb_addc(sb, ',');
		add_item(sb, &ps->item[i]);
	}
}

/*
 * ufw turns a proto-any rule into a tcp and a udp rule when its formatted
 * iptables text contains "port " (ufw-internals 1.4 item 10): with a port,
 * and also, by accident, when an interface name ends in "port".
 */
static bool splits_tcp_udp(const struct ufw_rule *r)
{
	return r->dport.n || r->sport.n || str_endswith(r->iface_in, "port") ||
	       str_endswith(r->iface_out, "port");
}

static void emit_log(struct xlate *x, const char *chain, const char *m,
		     const struct ufw_rule *r)
{
	if (r->logtype == UFW_LOG_NONE || x->st->loglevel == UFW_LOGLEVEL_OFF)
		return;
	sb_addf(x->out, "-A %s%s%s" LOG_LIMIT " -j LOG --log-prefix \"[%s %s] \"\n",
		chain, m, r->logtype == UFW_LOG_NEW ? " -m conntrack --ctstate NEW" : "",
		x->prefix, actions[r->action].log_word);
}

/* ufw's limit pattern (ufw-internals 3.4), RETURN standing for accept. */
static void emit_limit(struct xlate *x, const char *chain, const char *m)
{
	sb_addf(x->out, "-A %s%s -m conntrack --ctstate NEW -m recent --set\n", chain, m);
	sb_addf(x->out,
		"-A %s%s -m conntrack --ctstate NEW -m recent --update --seconds 30 "
		"--hitcount 6 -j " UFWD_CHAIN_LIMIT "\n",
		chain, m);
	sb_addf(x->out, "-A %s%s -j RETURN\n", chain, m);
}

/* The optional LOG line, then the verdict line(s), for one expanded match. */
static void emit_rule(struct xlate *x, const char *chain, const char *m,
		      const struct ufw_rule *r, const char *proto)
{
	const char *target = actions[r->action].target;

	emit_log(x, chain, m, r);
	if (!target)
		emit_limit(x, chain, m);
	else if (r->action == UFW_REJECT && proto && streq(proto, "tcp"))
		sb_addf(x->out, "-A %s%s -j REJECT --reject-with tcp-reset\n", chain, m);
	else
		sb_addf(x->out, "-A %s%s -j %s\n", chain, m, target);
}

/*
 * Checks what the output would contain of r and finds its protocol. Returns
 * true when r can be translated, false after a warning.
 */
static bool rule_usable(struct xlate *x, const struct ufw_rule *r,
			const struct proto_info **pi)
{
	const char *why = NULL;

	*pi = NULL;
	if ((unsigned)r->action >= ARRAY_SIZE(actions) ||
	    (unsigned)r->logtype > UFW_LOG_ALL)
		why = "unknown action";
	else if (!streq(r->proto, "any") && !(*pi = proto_lookup(r->proto)))
		why = "unknown protocol";
	else if (*pi && (*pi)->v4_only && x->fam == UFW_V6)
		why = "protocol exists only for IPv4";
	else if (*pi && (*pi)->v6_never && x->fam == UFW_V6)
		why = "ip6tables -p ah never matches (nor does ufw's own rule)";
	else if (*pi && !(*pi)->ports && (r->dport.n || r->sport.n))
		why = "ports with a protocol that has none";
	else if (!iface_ok(r->iface_in) || !iface_ok(r->iface_out))
		why = "bad interface name";
	else if (!r->src || !r->dst || !addr_ok(r->src) || !addr_ok(r->dst))
		why = "bad address";
	if (why)
		diag_warn(x->d, r->file, r->line, "rule skipped: %s", why);
	return !why;
}

/* The protocols one rule expands to; NULL stands for "no -p". */
static unsigned rule_protos(const struct ufw_rule *r, const struct proto_info *pi,
			    const char *out[2])
{
	if (pi) {
		out[0] = pi->name;
		return 1;
	}
	if (!splits_tcp_udp(r)) {
		out[0] = NULL;
		return 1;
	}
	out[0] = "tcp";
	out[1] = "udp";
	return 2;
}

/* A route rule in post-DNAT terms: what the packet carries now. */
static void route_match(struct strbuf *m, const struct ufw_rule *r, const char *proto)
{
	bool multi = r->dport.n > 1 || r->sport.n > 1;

	if (*r->iface_in)
		sb_addf(m, " -i %s", r->iface_in);
	if (*r->iface_out)
		sb_addf(m, " -o %s", r->iface_out);
	if (!ufw_addr_is_any(r->src))
		sb_addf(m, " -s %s", r->src);
	if (!ufw_addr_is_any(r->dst))
		sb_addf(m, " -d %s", r->dst);
	if (proto)
		sb_addf(m, " -p %s", proto);
	add_ports(m, &r->dport, 'd', multi);
	add_ports(m, &r->sport, 's', multi);
}

static void xlate_route(struct xlate *x, const struct ufw_rule *r)
{
	const struct proto_info *pi;
	const char *p[2];
	struct strbuf m = {0};

	if (!rule_usable(x, r, &pi))
		return;
	for (unsigned i = 0, n = rule_protos(r, pi, p); i < n; i++) {
		sb_reset(&m);
		route_match(&m, r, p[i]);
		emit_rule(x, UFWD_CHAIN_ENTRY, sb_str(&m), r, p[i]);
	}
	sb_free(&m);
}

/*
 * An incoming rule for a DNAT'd packet: the host address and port ufw names
 * survive only in conntrack's original tuple; one destination port item.
 */
static void input_match(struct strbuf *m, const struct ufw_rule *r, const char *proto,
			const struct port_item *dport)
{
	bool dst = !ufw_addr_is_any(r->dst);

	if (*r->iface_in)
		sb_addf(m, " -i %s", r->iface_in);
	if (!ufw_addr_is_any(r->src))
		sb_addf(m, " -s %s", r->src);
	if (proto)
		sb_addf(m, " -p %s", proto);
	add_ports(m, &r->sport, 's', r->sport.n > 1);
	if (!dst && !dport)
		return;
	sb_adds(m, " -m conntrack");
	if (dst)
		sb_addf(m, " --ctorigdst %s", r->dst);
	if (dport) {
		sb_adds(m, " --ctorigdstport ");
		add_item(m, dport);
	}
	sb_adds(m, " --ctdir ORIGINAL");
}

/* After rule_usable: what can apply to a DNAT'd incoming connection. */
static bool input_usable(struct xlate *x, const struct ufw_rule *r)
{
	if (*r->iface_out) {
		diag_warn(
		    x->d, r->file, r->line,
		    "rule skipped: an incoming rule with an out-interface never matches");
		return false;
	}
	if (!ufw_addr_is_any(r->dst) && dotted_mask(r->dst)) {
		diag_warn(x->d, r->file, r->line,
			  "rule skipped: conntrack cannot match the netmask of %s",
			  r->dst);
		return false;
	}
	return true;
}

static void xlate_input(struct xlate *x, const struct ufw_rule *r)
{
	const struct proto_info *pi;
	const char *p[2];
	struct strbuf m = {0};
	unsigned nd = r->dport.n ? r->dport.n : 1;

	if (r->direction == UFW_DIR_OUT)
		return; /* the host's own traffic */
	if (!rule_usable(x, r, &pi) || !input_usable(x, r))
		return;
	for (unsigned i = 0, n = rule_protos(r, pi, p); i < n; i++) {
		for (unsigned j = 0; j < nd; j++) {
			sb_reset(&m);
			input_match(&m, r, p[i], r->dport.n ? &r->dport.item[j] : NULL);
			emit_rule(x, UFWD_CHAIN_INPUT, sb_str(&m), r, p[i]);
		}
	}
	sb_free(&m);
}

/* After the route rules: container-originated traffic, then DNAT'd. */
static void emit_forward_tail(struct xlate *x)
{
	for (size_t i = 0; i < x->cfg->n_internal_ifaces; i++)
		sb_addf(x->out, "-A " UFWD_CHAIN_ENTRY " -i %s -j RETURN\n",
			x->cfg->internal_ifaces[i]);
	sb_adds(x->out,
		"-A " UFWD_CHAIN_ENTRY
		" -m conntrack --ctstate DNAT --ctdir ORIGINAL -g " UFWD_CHAIN_INPUT
		"\n");
	sb_adds(x->out, "-A " UFWD_CHAIN_ENTRY " -j RETURN\n");
}

static void emit_policy(struct xlate *x)
{
	enum ufw_policy p = x->st->input_policy;
	bool accept = p == UFW_POLICY_ACCEPT;
	bool log = accept ? levels[x->st->loglevel].log_allow
			  : levels[x->st->loglevel].log_block;

	if (log)
		sb_addf(x->out,
			"-A " UFWD_CHAIN_INPUT "%s%s -j LOG --log-prefix \"[%s %s] \"\n",
			accept ? " -m conntrack --ctstate NEW" : "",
			levels[x->st->loglevel].limited ? LOG_LIMIT : "", x->prefix,
			policies[p].log_word);
	sb_addf(x->out, "-A " UFWD_CHAIN_INPUT " -j %s\n", policies[p].target);
}

static void emit_limit_chain(struct xlate *x)
{
	if (x->st->loglevel != UFW_LOGLEVEL_OFF)
		sb_addf(x->out,
			"-A " UFWD_CHAIN_LIMIT " -m limit --limit 3/minute -j LOG "
			"--log-prefix \"[%s LIMIT BLOCK] \"\n",
			x->prefix);
	sb_adds(x->out, "-A " UFWD_CHAIN_LIMIT " -j REJECT\n");
}

/* The prefix must survive iptables-restore's quoting and ufw's sed. */
static int check_prefix(struct xlate *x)
{
	static const char *const words[] = {"ALLOW", "BLOCK", "LIMIT", "LIMIT BLOCK"};
	const char *p = x->prefix;
	char buf[128];

	for (const char *c = p; *c; c++) {
		if (!isprint((unsigned char)*c) || strchr("\"'\\", *c)) {
			diag_err(x->d, NULL, 0,
				 "log prefix \"%s\": quotes, backslashes "
				 "and control characters are not allowed",
				 p);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		int n = snprintf(buf, sizeof(buf), "[%s %s] ", p, words[i]);

		if (n < 0 || n > LOG_PREFIX_MAX || strstr(buf, "UFW BLOCK") ||
		    strstr(buf, "UFW ALLOW")) {
			diag_err(x->d, NULL, 0,
				 "log prefix \"%s\": \"%s\" is too long "
				 "or would be rewritten by ufw",
				 p, buf);
			return -EINVAL;
		}
	}
	return 0;
}

static int check_config(struct xlate *x)
{
	for (size_t i = 0; i < x->cfg->n_internal_ifaces; i++) {
		const char *name = x->cfg->internal_ifaces[i];

		if (!name || !*name || !iface_ok(name)) {
			diag_err(x->d, NULL, 0, "internal interface \"%s\": bad name",
				 name ? name : "");
			return -EINVAL;
		}
	}
	return check_prefix(x);
}

static void emit_head(struct xlate *x)
{
	sb_adds(x->out, "*filter\n");
	sb_addf(x->out, "# generated by ufw-docker from /etc/ufw/%s; do not edit\n",
		x->fam == UFW_V6 ? "user6.rules" : "user.rules");
	for (size_t i = 0; i < ARRAY_SIZE(our_chains); i++)
		sb_addf(x->out, ":%s - [0:0]\n", our_chains[i]);
}

static void emit_body(struct xlate *x, const struct ufw_ruleset *rs)
{
	sb_adds(x->out, "-A " UFWD_CHAIN_ENTRY
			" -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\n");
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].family == x->fam && rs->v[i].forward)
			xlate_route(x, &rs->v[i]);
	emit_forward_tail(x);
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].family == x->fam && !rs->v[i].forward)
			xlate_input(x, &rs->v[i]);
	emit_policy(x);
	emit_limit_chain(x);
	sb_adds(x->out, "COMMIT\n");
}

int xlate_block(const struct ufw_ruleset *rs, enum ufw_family fam,
		const struct ufw_state *st, const struct ufwd_config *cfg,
		struct strbuf *out, struct diag *d)
{
	struct strbuf block = {0};
	struct xlate x = {
	    .fam = fam,
	    .st = st,
	    .cfg = cfg,
	    .prefix = cfg->log_prefix ? cfg->log_prefix : DEFAULT_LOG_PREFIX,
	    .d = d,
	    .out = &block,
	};
	int ret;

	if ((unsigned)st->loglevel >= ARRAY_SIZE(levels) ||
	    (unsigned)st->input_policy >= ARRAY_SIZE(policies)) {
		diag_err(d, NULL, 0, "invalid ufw state (loglevel %d, input policy %d)",
			 (int)st->loglevel, (int)st->input_policy);
		return -EINVAL;
	}
	ret = check_config(&x);
	if (ret == 0) {
		emit_head(&x);
		emit_body(&x, rs);
		sb_addn(out, sb_str(&block), block.len);
	}
	sb_free(&block);
	return ret;
}
