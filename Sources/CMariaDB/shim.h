#ifndef STOREFRONT_CMARIADB_SHIM_H
#define STOREFRONT_CMARIADB_SHIM_H

#include <stddef.h>
#include <mysql.h>
#include <errmsg.h>

/* Swift cannot call C variadic functions; these wrappers give it fixed signatures. */

static inline int sf_option_string(MYSQL *mysql, enum mysql_option option, const char *value) {
    return mysql_optionsv(mysql, option, value);
}

static inline int sf_option_uint(MYSQL *mysql, enum mysql_option option, unsigned int value) {
    return mysql_optionsv(mysql, option, &value);
}

static inline int sf_option_bool(MYSQL *mysql, enum mysql_option option, int value) {
    my_bool flag = value ? 1 : 0;
    return mysql_optionsv(mysql, option, &flag);
}

static inline unsigned long sf_server_capabilities(MYSQL *mysql) {
    unsigned long caps = 0;
    if (mariadb_get_infov(mysql, MARIADB_CONNECTION_SERVER_CAPABILITIES, &caps)) { return 0; }
    return caps;
}

static inline unsigned long sf_extended_server_capabilities(MYSQL *mysql) {
    unsigned long caps = 0;
    if (mariadb_get_infov(mysql, MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES, &caps)) { return 0; }
    return caps;
}

static inline const char *sf_tls_version(MYSQL *mysql) {
    const char *version = NULL;
    if (mariadb_get_infov(mysql, MARIADB_CONNECTION_TLS_VERSION, &version)) { return NULL; }
    return version;
}

static inline int sf_stmt_set_update_max_length(MYSQL_STMT *stmt, int on) {
    my_bool flag = on ? 1 : 0;
    return mysql_stmt_attr_set(stmt, STMT_ATTR_UPDATE_MAX_LENGTH, &flag);
}

static inline int sf_library_init(void) {
    return mysql_server_init(0, NULL, NULL);
}

#endif
