/* The GnuTLS priority strings of every TLS listener of orgbook-server
 * (HTTPS, LDAPS and StartTLS): TLS 1.3 and TLS 1.2 with AEAD ciphers
 * only, or, with tls-legacy, GnuTLS's NORMAL without SSL 3.0 for old
 * phones. One place, so the listeners never differ. */
#ifndef SRV_TLS_H
#define SRV_TLS_H

#define SRV_TLS_STRICT                                                         \
	"NONE:+VERS-TLS1.3:+VERS-TLS1.2:+AES-256-GCM:+AES-128-GCM:"            \
	"+CHACHA20-POLY1305:+AEAD:+ECDHE-RSA:+ECDHE-ECDSA:+SIGN-ALL:"          \
	"+GROUP-ALL:+COMP-NULL:+CTYPE-X509:%SAFE_RENEGOTIATION"
#define SRV_TLS_LEGACY "NORMAL:-VERS-SSL3.0"

#endif
