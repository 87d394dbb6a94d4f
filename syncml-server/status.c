/* Result codes to SyncML and HTTP statuses (see status.h). */
#include "config.h"
#include "syncml-server/status.h"

#include "syncml/msg.h"
#include "util/err.h"

int srv_status_of(int ob_code)
{
	switch (ob_code) {
	case 0:
		return SML_OK;
	case OB_E_NOTFOUND:
		return SML_NOT_FOUND;
	case OB_E_PARSE:
	case OB_E_INVAL:
		return SML_BAD_REQUEST;
	case OB_E_LIMIT:
		return SML_TOO_LARGE;
	case OB_E_AUTH:
		return SML_INVALID_CRED;
	case OB_E_BUSY:
		return SML_BUSY;
	case OB_E_VERSION:
		return SML_PROTOCOL_UNSUPPORTED;
	case OB_E_GONE:
		return SML_REFRESH_REQUIRED;
	default:
		return SML_COMMAND_FAILED;
	}
}

int srv_http_status_of(int ob_code)
{
	return ob_code == OB_E_BUSY ? 503 : 500;
}
