/* SPDX-License-Identifier: GPL-3.0-or-later */
/* json: string escaping for our --json output; byte sequences that are not
 * UTF-8 become U+FFFD so that the output always parses. */
#include "json.h"

#include <string.h>

static void json_byte(struct strbuf *out, const unsigned char *s, size_t *i)
{
	size_t n;

	switch (s[*i]) {
	case '"':
		sb_adds(out, "\\\"");
		break;
	case '\\':
		sb_adds(out, "\\\\");
		break;
	case '\n':
		sb_adds(out, "\\n");
		break;
	case '\t':
		sb_adds(out, "\\t");
		break;
	default:
		if (s[*i] < 0x20 || s[*i] == 0x7f) {
			sb_addf(out, "\\u%04x", s[*i]);
		} else if (s[*i] < 0x80) {
			sb_addc(out, (char)s[*i]);
		} else if ((n = utf8_seq_len(s + *i, strnlen((const char *)s + *i, 4))) !=
			   0) {
			sb_addn(out, (const char *)s + *i, n);
			*i += n - 1;
		} else {
			sb_adds(out, "\\ufffd");
		}
	}
}

void json_str(struct strbuf *out, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (!s) {
		sb_adds(out, "null");
		return;
	}
	sb_addc(out, '"');
	for (size_t i = 0; u[i]; i++)
		json_byte(out, u, &i);
	sb_addc(out, '"');
}

void json_key(struct strbuf *out, const char *key)
{
	json_str(out, key);
	sb_addc(out, ':');
}
