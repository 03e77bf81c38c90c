/*
 * The floor for one point select over Connector/C's prepared-statement API: what a careful C program does
 * per query, nothing more. Prepared once, parameter and result bound once; per query: set the id, execute,
 * store the result, fetch the one row, free the result (sysbench does the same minus the fetch). Ids come
 * from a xorshift generator (sysbench has its own generator too), so no system call per id.
 *
 *   point_select HOST PORT USER DATABASE QUERIES TABLE_SIZE
 *
 * Prints "queries N" and the checksum of the lengths read, so the compiler cannot drop the work.
 */
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long state = 88172645463325252ULL;
static unsigned long long next_random(void) {
    state ^= state << 13; state ^= state >> 7; state ^= state << 17;
    return state;
}

static void die(const char *what, const char *message) {
    fprintf(stderr, "%s: %s\n", what, message);
    exit(1);
}

int main(int argc, char **argv) {
    if (argc != 7) { fprintf(stderr, "usage: %s HOST PORT USER DATABASE QUERIES TABLE_SIZE\n", argv[0]); return 2; }
    const char *host = argv[1], *user = argv[3], *database = argv[4];
    unsigned int port = (unsigned int)atoi(argv[2]);
    long queries = atol(argv[5]), table_size = atol(argv[6]);

    MYSQL *mysql = mysql_init(NULL);
    unsigned int protocol = MYSQL_PROTOCOL_TCP;
    mysql_optionsv(mysql, MYSQL_OPT_PROTOCOL, &protocol);
    mysql_optionsv(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(mysql, host, user, NULL, database, port, NULL, CLIENT_MULTI_RESULTS))
        die("connect", mysql_error(mysql));

    const char *sql = "SELECT c FROM sbtest1 WHERE id = ?";
    MYSQL_STMT *stmt = mysql_stmt_init(mysql);
    if (mysql_stmt_prepare(stmt, sql, strlen(sql))) die("prepare", mysql_stmt_error(stmt));

    long long id = 0;
    MYSQL_BIND param;
    memset(&param, 0, sizeof param);
    param.buffer_type = MYSQL_TYPE_LONGLONG;
    param.buffer = &id;
    if (mysql_stmt_bind_param(stmt, &param)) die("bind param", mysql_stmt_error(stmt));

    char c[256];
    unsigned long length = 0;
    my_bool is_null = 0, error = 0;
    MYSQL_BIND result;
    memset(&result, 0, sizeof result);
    result.buffer_type = MYSQL_TYPE_STRING;
    result.buffer = c;
    result.buffer_length = sizeof c;
    result.length = &length;
    result.is_null = &is_null;
    result.error = &error;

    if (mysql_stmt_bind_result(stmt, &result)) die("bind result", mysql_stmt_error(stmt));

    unsigned long long checksum = 0;
    for (long i = 0; i < queries; i++) {
        id = (long long)(next_random() % (unsigned long long)table_size) + 1;
        if (mysql_stmt_execute(stmt)) die("execute", mysql_stmt_error(stmt));
        if (mysql_stmt_store_result(stmt)) die("store result", mysql_stmt_error(stmt));
        int status = mysql_stmt_fetch(stmt);
        if (status != 0 && status != MYSQL_DATA_TRUNCATED) die("fetch", mysql_stmt_error(stmt));
        checksum += length;
        mysql_stmt_free_result(stmt);
    }
    mysql_stmt_close(stmt);
    mysql_close(mysql);
    printf("queries %ld checksum %llu\n", queries, checksum);
    return 0;
}
