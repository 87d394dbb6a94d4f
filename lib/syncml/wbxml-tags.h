/* WBXML tokens and the tag tables of SyncML Representation 1.2 (code
 * pages 0 SyncML and 1 MetInf) and DevInf 1.2 (its own document, page 0),
 * shared by the decoder (wbxml.c) and the encoder (encode.c). The 1.1
 * tables are the same minus the 1.2 additions. Not installed. */
#ifndef SML_WBXML_TAGS_H
#define SML_WBXML_TAGS_H

#include <stddef.h>
#include <stdint.h>

#define T_SWITCH_PAGE 0x00
#define T_END 0x01
#define T_ENTITY 0x02
#define T_STR_I 0x03
#define T_LITERAL 0x04
#define T_EXT_I_0 0x40
#define T_EXT_I_2 0x42
#define T_PI 0x43
#define T_EXT_T_0 0x80
#define T_EXT_T_2 0x82
#define T_STR_T 0x83
#define T_EXT_0 0xC0
#define T_EXT_2 0xC2
#define T_OPAQUE 0xC3
#define HAS_CONTENT 0x40
#define HAS_ATTRS 0x80

/* The public ids of the documents we write (WBXML mb_u_int32 values). */
#define SML_PUBID_SYNCML_10 0x0FD1
#define SML_PUBID_SYNCML_11 0x0FD3
#define SML_PUBID_SYNCML_12 0x1201
#define SML_PUBID_DEVINF_10 0x0FD2
#define SML_PUBID_DEVINF_11 0x0FD4
#define SML_PUBID_DEVINF_12 0x1203

enum sml_wb_table { SML_WB_SYNCML, SML_WB_METINF, SML_WB_DEVINF };

/* v as a WBXML mb_u_int32 (seven bits a byte, high bytes first) at the
 * end of out[5]; returns how many bytes, which start at out + 5 - n. */
size_t sml_wbxml_mb(uint32_t v, unsigned char out[5]);

/* The name of tag code (0x05..0x3F) in a table; NULL when unknown. */
const char *sml_wbxml_tag_name(enum sml_wb_table t, unsigned code);
/* The code of name[0..len) in a table; -1 when it has none. */
int sml_wbxml_tag_code(enum sml_wb_table t, const char *name, size_t len);

#endif
