import DbctlConfig
import Foundation

/// The key files `file_key_management` reads: a file key (random, 0600) and the key file, `id;hex-key` lines
/// encrypted as MariaDB expects — `openssl enc -aes-256-cbc -md sha1` with the file key as its password. The
/// plaintext keys go to openssl through a pipe and never touch the disk; the file key is passed as a file.
public struct EncryptionKeys: Sendable {
    public let section: EncryptionSection

    public init(section: EncryptionSection) { self.section = section }

    public var exist: Bool {
        FileManager.default.fileExists(atPath: section.keyFile)
            || FileManager.default.fileExists(atPath: section.filekeyFile)
    }

    /// Writes both files; refuses to replace either (data encrypted with a lost key is lost).
    public func create() throws {
        guard !exist else {
            throw SecurityError(
                .encryption,
                "\(section.keyFile) or \(section.filekeyFile) exists; dbctl never "
                    + "replaces encryption keys (the data they encrypt would be lost)")
        }
        let directory = (section.keyFile as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let filekey = Self.randomHex(32)
        guard
            FileManager.default.createFile(
                atPath: section.filekeyFile, contents: Data((filekey + "\n").utf8),
                attributes: [.posixPermissions: 0o600])
        else { throw SecurityError(.encryption, "\(section.filekeyFile): cannot write") }
        let plaintext = "1;\(Self.randomHex(32))\n"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = [
            "enc", "-aes-256-cbc", "-md", "sha1", "-pass", "file:\(section.filekeyFile)", "-out", section.keyFile,
        ]
        let input = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch {
            try? FileManager.default.removeItem(atPath: section.filekeyFile)
            throw SecurityError(.encryption, "cannot run /usr/bin/openssl (apt-get install openssl): \(error)")
        }
        input.fileHandleForWriting.write(Data(plaintext.utf8))
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            try? FileManager.default.removeItem(atPath: section.filekeyFile)
            try? FileManager.default.removeItem(atPath: section.keyFile)
            throw SecurityError(.encryption, "openssl enc failed (\(process.terminationStatus)): \(message)")
        }
        chmod(section.keyFile, 0o600)
    }

    /// The server's my.cnf lines: the plugin, its files, and every encryption a running server cannot turn on.
    public func serverSettings() -> [String] {
        [
            "plugin_load_add = file_key_management",
            "file_key_management_filename = \(section.keyFile)",
            "file_key_management_filekey = FILE:\(section.filekeyFile)",
            "file_key_management_encryption_algorithm = AES_CTR",
            "innodb_encrypt_tables = ON",
            "innodb_encrypt_temporary_tables = ON",
            "innodb_encrypt_log = ON",
            "innodb_encryption_threads = \(section.threads)",
            "encrypt_binlog = ON",
            "encrypt_tmp_files = ON",
            "encrypt_tmp_disk_tables = ON",
            "aria_encrypt_tables = ON",
        ]
    }

    static func randomHex(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }
            .joined()
    }
}
