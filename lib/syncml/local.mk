# lib/syncml: libsml.a, the SyncML codec shared by the server and the agent:
# element tree, XML and WBXML decoding, message model, encoders.
noinst_LIBRARIES += lib/syncml/libsml.a
lib_syncml_libsml_a_SOURCES = \
	lib/syncml/tree.h lib/syncml/tree.c
lib_syncml_libsml_a_CPPFLAGS = $(AM_CPPFLAGS) $(XML_CFLAGS) $(WBXML_CFLAGS)
SML_LIBS = lib/syncml/libsml.a lib/util/libobutil.a $(XML_LIBS) $(WBXML_LIBS)
LINT_FILES += $(filter %.c,$(lib_syncml_libsml_a_SOURCES))
lib_syncml_libsml_a_SOURCES += \
	lib/syncml/xml.h lib/syncml/xml.c \
	lib/syncml/writer.h lib/syncml/writer.c \
	lib/syncml/encode.h lib/syncml/encode.c \
	lib/syncml/msg.h lib/syncml/msg.c
lib_syncml_libsml_a_SOURCES += lib/syncml/wbxml.h lib/syncml/wbxml.c
