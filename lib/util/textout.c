/* lib/util/textout.c: JSON strings, display widths, table cells and the
 * progress bar (what it promises: textout.h). */
#include "config.h"
#include "util/textout.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/str.h"

void ob_json_str(struct ob_buf *b, const char *s)
{
	size_t len = s ? strlen(s) : 0;

	(void)ob_buf_add_char(b, '"');
	for (size_t i = 0; i < len;) {
		unsigned char ch = (unsigned char)s[i];
		uint32_t cp;
		size_t n;

		if (ch == '"' || ch == '\\') {
			(void)ob_buf_add_char(b, '\\');
			(void)ob_buf_add_char(b, (char)ch);
			i++;
		} else if (ch == '\n') {
			(void)ob_buf_add_str(b, "\\n");
			i++;
		} else if (ch == '\t') {
			(void)ob_buf_add_str(b, "\\t");
			i++;
		} else if (ch == '\r') {
			(void)ob_buf_add_str(b, "\\r");
			i++;
		} else if (ch < 0x20 || ch == 0x7f) {
			(void)ob_buf_addf(b, "\\u%04x", ch);
			i++;
		} else if (ch < 0x80) {
			(void)ob_buf_add_char(b, (char)ch);
			i++;
		} else if ((n = ob_utf8_decode(s + i, len - i, &cp)) == 0) {
			(void)ob_buf_add_str(b, "\xef\xbf\xbd"); /* U+FFFD */
			i++;
		} else {
			(void)ob_buf_add(b, s + i, n);
			i += n;
		}
	}
	(void)ob_buf_add_char(b, '"');
}

void ob_json_fput(FILE *f, const char *s)
{
	struct ob_buf b;

	/* at most 6 bytes out per byte in, and the quotes */
	ob_buf_init(&b, (s ? strlen(s) : 0) * 6 + 3);
	ob_json_str(&b, s);
	fwrite(b.data, 1, b.len, f);
	ob_buf_deinit(&b);
}

void ob_jw_init(struct ob_jw *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

/* the comma before a value, unless it follows its key */
static void jw_value(struct ob_jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth > 0 && w->depth <= 16) {
		if (w->need_comma[w->depth - 1])
			putc(',', w->f);
		w->need_comma[w->depth - 1] = true;
	}
}

static void jw_open(struct ob_jw *w, char c)
{
	jw_value(w);
	putc(c, w->f);
	if (w->depth < 16) {
		w->need_comma[w->depth] = false;
		w->close[w->depth] = c == '{' ? '}' : ']';
	}
	w->depth++;
}

void ob_jw_obj(struct ob_jw *w)
{
	jw_open(w, '{');
}

void ob_jw_arr(struct ob_jw *w)
{
	jw_open(w, '[');
}

void ob_jw_end(struct ob_jw *w)
{
	if (w->depth == 0)
		return;
	w->depth--;
	putc(w->depth < 16 ? w->close[w->depth] : ']', w->f);
	if (w->depth == 0)
		putc('\n', w->f);
}

void ob_jw_key(struct ob_jw *w, const char *key)
{
	jw_value(w);
	ob_json_fput(w->f, key);
	putc(':', w->f);
	w->after_key = true;
}

void ob_jw_str(struct ob_jw *w, const char *s)
{
	jw_value(w);
	if (s == NULL)
		fputs("null", w->f);
	else
		ob_json_fput(w->f, s);
}

void ob_jw_int(struct ob_jw *w, long long n)
{
	jw_value(w);
	fprintf(w->f, "%lld", n);
}

void ob_jw_bool(struct ob_jw *w, bool b)
{
	jw_value(w);
	fputs(b ? "true" : "false", w->f);
}

void ob_jw_kstr(struct ob_jw *w, const char *key, const char *s)
{
	ob_jw_key(w, key);
	ob_jw_str(w, s);
}

void ob_jw_kint(struct ob_jw *w, const char *key, long long n)
{
	ob_jw_key(w, key);
	ob_jw_int(w, n);
}

void ob_jw_kbool(struct ob_jw *w, const char *key, bool b)
{
	ob_jw_key(w, key);
	ob_jw_bool(w, b);
}

struct range {
	uint32_t lo, hi;
};

/* East Asian Width W and F (UAX #11), merged into runs. */
static const struct range wide[] = {
	{0x1100, 0x115f},   {0x231a, 0x231b},   {0x2329, 0x232a},
	{0x23e9, 0x23ec},   {0x23f0, 0x23f0},   {0x23f3, 0x23f3},
	{0x25fd, 0x25fe},   {0x2614, 0x2615},   {0x2648, 0x2653},
	{0x267f, 0x267f},   {0x2693, 0x2693},   {0x26a1, 0x26a1},
	{0x26aa, 0x26ab},   {0x26bd, 0x26be},   {0x26c4, 0x26c5},
	{0x26ce, 0x26ce},   {0x26d4, 0x26d4},   {0x26ea, 0x26ea},
	{0x26f2, 0x26f3},   {0x26f5, 0x26f5},   {0x26fa, 0x26fa},
	{0x26fd, 0x26fd},   {0x2705, 0x2705},   {0x270a, 0x270b},
	{0x2728, 0x2728},   {0x274c, 0x274c},   {0x274e, 0x274e},
	{0x2753, 0x2755},   {0x2757, 0x2757},   {0x2795, 0x2797},
	{0x27b0, 0x27b0},   {0x27bf, 0x27bf},   {0x2b1b, 0x2b1c},
	{0x2b50, 0x2b50},   {0x2b55, 0x2b55},   {0x2e80, 0x303e},
	{0x3041, 0x3247},   {0x3250, 0x4dbf},   {0x4e00, 0xa4c6},
	{0xa960, 0xa97c},   {0xac00, 0xd7a3},   {0xf900, 0xfaff},
	{0xfe10, 0xfe19},   {0xfe30, 0xfe6b},   {0xff01, 0xff60},
	{0xffe0, 0xffe6},   {0x16fe0, 0x16fe4}, {0x17000, 0x18cd5},
	{0x1b000, 0x1b2fb}, {0x1f004, 0x1f004}, {0x1f0cf, 0x1f0cf},
	{0x1f18e, 0x1f18e}, {0x1f191, 0x1f19a}, {0x1f200, 0x1f251},
	{0x1f300, 0x1f320}, {0x1f32d, 0x1f335}, {0x1f337, 0x1f37c},
	{0x1f37e, 0x1f393}, {0x1f3a0, 0x1f3ca}, {0x1f3cf, 0x1f3d3},
	{0x1f3e0, 0x1f3f0}, {0x1f3f4, 0x1f3f4}, {0x1f3f8, 0x1f43e},
	{0x1f440, 0x1f440}, {0x1f442, 0x1f4fc}, {0x1f4ff, 0x1f53d},
	{0x1f54b, 0x1f54e}, {0x1f550, 0x1f567}, {0x1f57a, 0x1f57a},
	{0x1f595, 0x1f596}, {0x1f5a4, 0x1f5a4}, {0x1f5fb, 0x1f64f},
	{0x1f680, 0x1f6c5}, {0x1f6cc, 0x1f6cc}, {0x1f6d0, 0x1f6d2},
	{0x1f6d5, 0x1f6d7}, {0x1f6eb, 0x1f6ec}, {0x1f6f4, 0x1f6fc},
	{0x1f7e0, 0x1f7eb}, {0x1f90c, 0x1f93a}, {0x1f93c, 0x1f945},
	{0x1f947, 0x1f9ff}, {0x1fa70, 0x1faff}, {0x20000, 0x2fffd},
	{0x30000, 0x3fffd},
};

/* Zero width: combining marks of the scripts names are written in,
 * Hangul medial and final jamo, zero-width spaces and joiners, variation
 * selectors. */
static const struct range zero[] = {
	{0x0300, 0x036f},   {0x0483, 0x0489},   {0x0591, 0x05bd},
	{0x05bf, 0x05bf},   {0x05c1, 0x05c2},   {0x05c4, 0x05c5},
	{0x05c7, 0x05c7},   {0x0610, 0x061a},   {0x064b, 0x065f},
	{0x0670, 0x0670},   {0x06d6, 0x06dc},   {0x06df, 0x06e4},
	{0x0e31, 0x0e31},   {0x0e34, 0x0e3a},   {0x0e47, 0x0e4e},
	{0x1160, 0x11ff},   {0x1ab0, 0x1aff},   {0x1dc0, 0x1dff},
	{0x200b, 0x200f},   {0x202a, 0x202e},   {0x2060, 0x2064},
	{0x20d0, 0x20f0},   {0x302a, 0x302d},   {0x3099, 0x309a},
	{0xd7b0, 0xd7ff},   {0xfe00, 0xfe0f},   {0xfe20, 0xfe2f},
	{0xfeff, 0xfeff},   {0x1f3fb, 0x1f3ff}, {0xe0001, 0xe007f},
	{0xe0100, 0xe01ef},
};

static bool in(const struct range *r, size_t n, uint32_t cp)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cp < r[mid].lo)
			hi = mid;
		else if (cp > r[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

int ob_cp_width(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return 0;
	if (cp < 0x300)
		return 1;
	if (in(zero, sizeof(zero) / sizeof(zero[0]), cp))
		return 0;
	return in(wide, sizeof(wide) / sizeof(wide[0]), cp) ? 2 : 1;
}

size_t ob_text_width(const char *s)
{
	size_t len = s ? strlen(s) : 0, w = 0;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = ob_utf8_decode(s + i, len - i, &cp);

		if (n == 0) {
			w++;
			i++;
			continue;
		}
		w += (size_t)ob_cp_width(cp);
		i += n;
	}
	return w;
}

void ob_fput_cell(FILE *f, const char *s, size_t width)
{
	size_t w = ob_text_width(s);

	fputs(s ? s : "", f);
	for (; w < width; w++)
		putc(' ', f);
}

void ob_progress_start(struct ob_progress *p, int fd, const char *label,
		       long total, bool quiet)
{
	memset(p, 0, sizeof(*p));
	p->label = label;
	p->total = total;
	p->fd = fd;
	p->on = !quiet && isatty(fd);
	p->start_ms = ob_now_ms();
	p->delay_ms = 250;
	const char *d = getenv("ORGBOOK_PROGRESS_DELAY_MS");
	if (d != NULL && *d != '\0') {
		char *end;
		unsigned long v = strtoul(d, &end, 10);

		if (*end == '\0' && v <= 600000)
			p->delay_ms = v;
	}
}

/* h:mm:ss or m:ss */
static void clock_text(char *out, size_t size, uint64_t s)
{
	if (s >= 3600)
		snprintf(out, size, "%llu:%02u:%02u",
			 (unsigned long long)(s / 3600),
			 (unsigned)(s / 60 % 60), (unsigned)(s % 60));
	else
		snprintf(out, size, "%u:%02u", (unsigned)(s / 60),
			 (unsigned)(s % 60));
}

void ob_progress_format(char *out, size_t size, const char *label, long done,
			long total, uint64_t ms, int width)
{
	char tail[96], left[32];
	double rate = ms > 0 ? (double)done * 1000.0 / (double)ms : 0;
	int n;

	if (total > 0 && done > total)
		total = done;
	if (total > 0) {
		if (rate > 0 && done > 0)
			clock_text(left, sizeof(left),
				   (uint64_t)((double)(total - done) / rate +
					      0.5));
		else
			ob_strlcpy(left, "?", sizeof(left));
		snprintf(tail, sizeof(tail), " %ld/%ld %.0f/s %s left", done,
			 total, rate, left);
	} else {
		snprintf(tail, sizeof(tail), " %ld %.0f/s", done, rate);
	}
	n = snprintf(out, size, "%s", label);
	if (n < 0 || (size_t)n >= size)
		return;
	int bar = width - n - (int)strlen(tail) - 3;

	if (total > 0 && bar >= 10) {
		int fill = (int)((double)bar * (double)done / (double)total);

		if (bar > 40)
			bar = 40,
			fill = (int)(40.0 * (double)done / (double)total);
		if ((size_t)n + (size_t)bar + 3 < size) {
			out[n++] = ' ';
			out[n++] = '[';
			for (int i = 0; i < bar; i++)
				out[n++] = i < fill ? '#' : '.';
			out[n++] = ']';
			out[n] = '\0';
		}
	}
	ob_strlcpy(out + n, tail, size - (size_t)n);
}

static int columns(int fd)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

void ob_progress_update(struct ob_progress *p, long done, long total)
{
	char line[256];
	uint64_t now;
	int w;

	if (!p->on)
		return;
	now = ob_now_ms();
	/* quick work (a quarter second by default) gets no bar */
	if (!p->drawn && now - p->start_ms < p->delay_ms)
		return;
	if (p->drawn && now - p->last_ms < 100 && !(total > 0 && done >= total))
		return;
	p->last_ms = now;
	p->total = total;
	w = columns(p->fd) - 1;
	if (w > (int)sizeof(line) - 1)
		w = (int)sizeof(line) - 1;
	ob_progress_format(line, sizeof(line), p->label, done, total,
			   now - p->start_ms, w);
	dprintf(p->fd, "\r%s\033[K", line);
	p->drawn = true;
}

void ob_progress_end(struct ob_progress *p)
{
	if (p->on && p->drawn)
		dprintf(p->fd, "\r\033[K");
	p->drawn = false;
}
