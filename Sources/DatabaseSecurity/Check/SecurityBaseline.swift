/// The server settings the security check expects, each with why: the my.cnf lines a deployment starts from
/// (`dbctl security tls init` prints them with its certificate paths).
public enum SecurityBaseline {
    public struct Setting: Sendable {
        public let name: String
        public let value: String
        public let reason: String
    }

    /// `secureFiles` is the only directory the server may read or write files in; `auditFile` the audit log.
    public static func settings(secureFiles: String, auditFile: String) -> [Setting] {
        [
            Setting(name: "require_secure_transport", value: "ON", reason: "a login over plain TCP is refused"),
            Setting(name: "tls_version", value: "TLSv1.2,TLSv1.3", reason: "no TLS 1.0 or 1.1"),
            Setting(
                name: "local_infile", value: "0",
                reason: "clients cannot make the server read their files (turn on only while dbctl migrate runs)"),
            Setting(
                name: "secure_file_priv", value: secureFiles,
                reason: "LOAD DATA INFILE and SELECT … INTO OUTFILE stay inside one directory"),
            Setting(name: "symbolic_links", value: "0", reason: "tables cannot be linked to files elsewhere"),
            Setting(
                name: "skip_name_resolve", value: "ON",
                reason: "accounts match addresses, not names a DNS server controls"),
            Setting(
                name: "max_password_errors", value: "10",
                reason: "an account is blocked after 10 wrong passwords in a row (FLUSH PRIVILEGES unblocks)"),
            Setting(
                name: "plugin_load_add", value: "server_audit;simple_password_check",
                reason: "connections and changes are audited; new passwords need length and character classes"),
            Setting(
                name: "strict_password_validation", value: "OFF",
                reason: "dbctl sets generated passwords as hashes, which keeps them out of the binary log"),
            Setting(name: "server_audit_logging", value: "ON", reason: "the audit log is written"),
            Setting(
                name: "server_audit_events", value: "CONNECT,QUERY_DDL,QUERY_DCL",
                reason: "logins (also failed ones), schema and privilege changes"),
            Setting(name: "server_audit_file_path", value: auditFile, reason: "where the audit log is written"),
            Setting(name: "server_audit_file_rotate_size", value: "100000000", reason: "rotated every 100 MB"),
            Setting(name: "server_audit_file_rotations", value: "30", reason: "30 rotated files kept"),
        ]
    }
}
