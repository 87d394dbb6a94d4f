/* The SyncML message model: the header of a decoded message, checked, and
 * accessors for the commands of its body (OMA DS Representation Protocol
 * 1.1 §5, 1.2 §5; SyncML 1.0 headers are read too, for a clean refusal).
 *
 * A message is read from the element tree (tree.h) whatever its encoding.
 * The header is validated here (version, MsgID, SessionID, Source) so the
 * server never acts on a message without them; commands are left as nodes
 * and read with the helpers below. Strings are borrowed from the tree. */
#ifndef SML_MSG_H
#define SML_MSG_H

#include <stdbool.h>
#include <stdint.h>

#include "syncml/tree.h"

/* Status codes we send or read (OMA DS Protocol §10). */
enum sml_status {
	SML_OK = 200,
	SML_ITEM_ADDED = 201,
	SML_AUTH_ACCEPTED = 212,
	SML_CHUNK_ACCEPTED = 213,
	SML_BAD_REQUEST = 400,
	SML_INVALID_CRED = 401,
	SML_FORBIDDEN = 403,
	SML_NOT_FOUND = 404,
	SML_NOT_ALLOWED = 405,
	SML_NOT_SUPPORTED = 406,
	SML_MISSING_CRED = 407,
	SML_INCOMPLETE = 412,
	SML_TOO_LARGE = 413,
	SML_UNSUPPORTED_MEDIA = 415,
	SML_SIZE_MISMATCH = 424,
	SML_COMMAND_FAILED = 500,
	SML_VERSION_UNSUPPORTED = 505,
	SML_PROCESSING_ERROR = 506,
	SML_REFRESH_REQUIRED = 508,
	/* cannot resume, a normal sync instead (the Synthesis engine's
	 * answer to a resume it cannot serve; its clients honour it) */
	SML_RESUME_REFUSED = 509,
	SML_DATASTORE_FAILURE = 510,
	SML_SERVER_FAILURE = 511,
	SML_SYNC_FAILED = 512,
	SML_SERVICE_UNAVAILABLE = 503, /* temporary: retry later */
	SML_PROTOCOL_UNSUPPORTED = 513,
	SML_BUSY = 101,
};

/* Alert codes (OMA DS Protocol §11). */
enum sml_alert {
	SML_ALERT_TWO_WAY = 200,
	SML_ALERT_SLOW = 201,
	SML_ALERT_ONE_WAY_CLIENT = 202,
	SML_ALERT_REFRESH_CLIENT = 203,
	SML_ALERT_ONE_WAY_SERVER = 204,
	SML_ALERT_REFRESH_SERVER = 205,
	SML_ALERT_RESULT = 221,
	SML_ALERT_NEXT_MESSAGE = 222,
	SML_ALERT_NO_END_OF_DATA = 223,
	SML_ALERT_SUSPEND = 224,
	SML_ALERT_RESUME = 225,
};

#define SML_MSGID_MAX 4294967295u
#define SML_URI_LEN 255 /* bytes of a LocURI we accept */
#define SML_SESSION_ID_LEN 64

struct sml_hdr {
	enum sml_version version;
	const char *session_id;
	uint64_t msg_id;
	const char *target_uri;  /* the URL the client posted to */
	const char *source_uri;  /* the device id */
	const char *source_name; /* LocName: the user, for MD5 */
	const char *resp_uri;
	bool no_resp;
	const struct sml_node *cred; /* Cred element or NULL */
	uint64_t max_msg_size;       /* 0 when not given */
	uint64_t max_obj_size;
};

struct sml_msg {
	struct sml_tree *tree; /* owned */
	struct sml_hdr hdr;
	const struct sml_node *body; /* SyncBody */
	bool final;
};

/* Read and check the header of a decoded tree. On success the message
 * takes ownership of *tree (set to NULL); release with sml_msg_deinit.
 * OB_E_PARSE naming the element for a missing or malformed header part;
 * OB_E_VERSION for a SyncML version other than 1.1 or 1.2, or a VerDTD
 * that names none we know even if the namespace does (the
 * header fields are still filled so a 505/513 can be answered). */
int sml_msg_read(struct sml_tree **tree, struct sml_msg *msg_r,
		 struct ob_err *err);
void sml_msg_deinit(struct sml_msg *msg);

/* Parse the decimal text of node/path as an unsigned number; false when
 * missing, empty, not a number or over max. */
bool sml_node_uint(const struct sml_node *node, const char *path, uint64_t max,
		   uint64_t *v_r);
/* A command's CmdID (1..SML_MSGID_MAX), 0 when missing or malformed. */
uint64_t sml_cmd_id(const struct sml_node *cmd);
/* Meta/<name> of a command or item, looked up on the node itself then on
 * `fallback` (the enclosing command for items; may be NULL). */
const char *sml_meta(const struct sml_node *node,
		     const struct sml_node *fallback, const char *name);
/* Strip "./" prefixes, trailing '/' and a "?query" from a LocURI into buf;
 * returns buf. */
const char *sml_uri_normalize(const char *uri, char *buf, size_t size);

#endif
