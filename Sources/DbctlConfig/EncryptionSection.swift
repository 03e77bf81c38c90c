import Foundation

/// `security.encryption`: InnoDB tablespace, redo log, binlog and temporary-file encryption with MariaDB's
/// `file_key_management` plugin.
///
/// ```yaml
/// security:
///   encryption:
///     key_file: /etc/mysql/encryption/keys.enc     # the keys, AES-256-CBC encrypted with the file key
///     filekey_file: /etc/mysql/encryption/filekey  # the file key (0600); keep a copy off the host
///     threads: 4                                   # innodb_encryption_threads
/// ```
public struct EncryptionSection: Sendable, Equatable {
    public var keyFile: String
    public var filekeyFile: String
    public var threads: Int

    public init(keyFile: String, filekeyFile: String, threads: Int = 4) {
        self.keyFile = keyFile
        self.filekeyFile = filekeyFile
        self.threads = threads
    }

    static func read(_ reader: YAMLReader) throws -> EncryptionSection {
        let map = try reader.mapping(allowed: ["key_file", "filekey_file", "threads"])
        var section = EncryptionSection(
            keyFile: try map.requiredString("key_file"), filekeyFile: try map.requiredString("filekey_file"))
        for (name, path) in [("key_file", section.keyFile), ("filekey_file", section.filekeyFile)]
        where !path.hasPrefix("/") {
            throw try map.required(name).error(.invalidValue, "an absolute path (the server reads it at start)")
        }
        if let threads = try map.int("threads", in: 1...255) { section.threads = threads }
        return section
    }
}
