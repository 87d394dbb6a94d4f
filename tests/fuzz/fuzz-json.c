/* Fuzz target: the JSON parser. Oracle beyond "no crash": every string in
 * the tree is valid UTF-8 without NUL, and the tree is walkable. */
#include "config.h"
#include "util/str.h"
#include "import/json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct imp_json_value *v, int depth)
{
	if (depth > 64)
		abort(); /* the parser's depth limit must hold */
	if (v->type == IMP_JSON_STRING &&
	    !ob_utf8_valid(v->str, strlen(v->str), false))
		abort();
	for (size_t i = 0; i < v->n; i++) {
		if (v->type == IMP_JSON_OBJECT &&
		    !ob_utf8_valid(v->keys[i], strlen(v->keys[i]), false))
			abort();
		walk(v->items[i], depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imp_json_limits lim = {16, 10000, 4096};
	struct imp_json *j = NULL;
	struct ob_err err;

	if (imp_json_parse((const char *)data, size, &lim, &j, &err) == 0) {
		walk(imp_json_root(j), 0);
		(void)imp_json_get(imp_json_root(j), "people");
		imp_json_free(&j);
	}
	return 0;
}
