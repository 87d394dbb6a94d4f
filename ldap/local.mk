# ldap: the read-only LDAP front end (libldapfe.a): ber.c is the BER
# codec, proto.c the LDAPv3 messages over it.
noinst_LIBRARIES += ldap/libldapfe.a
ldap_libldapfe_a_SOURCES = ldap/ber.h ldap/ber.c
ldap_libldapfe_a_SOURCES += ldap/proto.h ldap/proto.c
LINT_FILES += ldap/ber.c ldap/proto.c
