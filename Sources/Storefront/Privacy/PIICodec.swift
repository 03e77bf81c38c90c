import Crypto
import Foundation

/// A personal-data column: the name bound into each value's encryption, so a value moved to another column
/// or row does not decrypt.
public enum PIIField: String, Sendable, CaseIterable {
    case customerEmail = "customers.email"
    case customerName = "customers.name"
    case customerPhone = "customers.phone"
    case addressLine1 = "addresses.line1"
    case addressLine2 = "addresses.line2"
    case addressCity = "addresses.city"
    case addressPostalCode = "addresses.postal_code"
}

/// A value that cannot be read back: tampered with, copied from another row or column, or sealed under a key
/// version the key file no longer holds. Names the column and row, never the value.
public struct PIIError: Error, CustomStringConvertible {
    public let description: String
}

/// How customers' personal data is stored: AES-256-GCM per field, keys derived (HKDF-SHA-256) from the root
/// keys of `PII_KEY_FILE`, the key version in each value (`pii1:VERSION:BASE64`), and the column and row id
/// as associated data. Email lookups go through a keyed blind index (HMAC-SHA-256 of the normalised email).
///
/// Without a key file (development) values are stored as given and the email index is an unkeyed SHA-256;
/// values written either way are read either way, so a shop can start without a key and encrypt later
/// (`storefront pii reencrypt`).
public struct PIICodec: Sendable {
    /// Root keys by version; the highest is current. Empty: values stay in clear.
    let rootBytes: [Int: Data]
    /// The version new values are sealed with: the file's `current N` line, else the highest.
    public let currentVersion: Int?
    public var encrypts: Bool { !rootBytes.isEmpty }
    /// Whether a value without the sealed prefix reads as a value in clear (`PII_PLAINTEXT=accept`). With a key,
    /// a value in clear is either data from before encryption (until `storefront pii reencrypt` has run) or
    /// a value someone wrote into the database behind the shop's back; `refuse` (production's default) makes
    /// it an error naming the column and row.
    public var acceptsPlaintext = true

    public static let plain = PIICodec(keys: [:])
    static let prefix = "pii1:"

    /// Root keys (32 bytes each) by version.
    public init(keys: [Int: Data], current: Int? = nil) {
        rootBytes = keys
        currentVersion = current ?? keys.keys.max()
    }

    /// `PII_KEY_FILE`: lines `VERSION HEX` (a 32-byte key as 64 hex digits), optionally `current VERSION`
    /// (which key seals new values; default the highest, so a new key can first be made known to every
    /// instance and only then used), `#` comments; the file must be readable by its owner only.
    public static func load(file: String) throws -> PIICodec {
        try SecretFile.checkPrivate(file, setting: "PII_KEY_FILE")
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw StorefrontConfigurationError("PII_KEY_FILE \(file) cannot be read")
        }
        var roots: [Int: Data] = [:]
        var current: Int?
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            let place = "PII_KEY_FILE \(file):\(number + 1)"
            if fields.count == 2, fields[0] == "current" {
                guard let version = Int(fields[1]) else {
                    throw StorefrontConfigurationError("\(place): current needs a version number")
                }
                current = version
                continue
            }
            guard fields.count == 2, let version = Int(fields[0]), version >= 1, let bytes = hexBytes(fields[1]),
                bytes.count == 32
            else { throw StorefrontConfigurationError("\(place): expected VERSION and 64 hex digits") }
            guard roots[version] == nil else {
                throw StorefrontConfigurationError("\(place): version \(version) twice")
            }
            roots[version] = bytes
        }
        guard !roots.isEmpty else { throw StorefrontConfigurationError("PII_KEY_FILE \(file) holds no key") }
        if let current, roots[current] == nil {
            throw StorefrontConfigurationError("PII_KEY_FILE \(file): current \(current) names no key in the file")
        }
        return PIICodec(keys: roots, current: current)
    }

    /// A new key line for a key file: `VERSION HEX`.
    public static func newKeyLine(version: Int) -> String {
        let key = SymmetricKey(size: .bits256)
        return "\(version) " + key.withUnsafeBytes { Data($0) }.map { String(format: "%02x", $0) }.joined()
    }

    /// The stored form of `value` in `field` of row `row`.
    public func seal(_ value: String, _ field: PIIField, row: Int) throws -> String {
        guard let version = currentVersion, let bytes = rootBytes[version] else { return value }
        let root = SymmetricKey(data: bytes)
        let box = try AES.GCM.seal(
            Data(value.utf8), using: Self.fieldKey(root, field), nonce: AES.GCM.Nonce(),
            authenticating: Self.associatedData(field, row))
        guard let combined = box.combined else { throw PIIError(description: "\(field.rawValue): sealing failed") }
        return Self.prefix + "\(version):" + combined.base64EncodedString()
    }

    public func seal(_ value: String?, _ field: PIIField, row: Int) throws -> String? {
        try value.map { try seal($0, field, row: row) }
    }

    /// The value of a stored form; values stored in clear (before encryption was turned on) come back as they are
    /// unless `acceptsPlaintext` is off.
    public func open(_ stored: String, _ field: PIIField, row: Int) throws -> String {
        guard stored.hasPrefix(Self.prefix) else {
            guard encrypts, !acceptsPlaintext else { return stored }
            throw PIIError(
                description: "\(field.rawValue) of row \(row) is stored in clear, and PII_PLAINTEXT=refuse: run "
                    + "storefront pii reencrypt (with PII_PLAINTEXT=accept while it runs), or find who wrote it")
        }
        let rest = stored.dropFirst(Self.prefix.count)
        guard let colon = rest.firstIndex(of: ":"), let version = Int(rest[..<colon]),
            let data = Data(base64Encoded: String(rest[rest.index(after: colon)...]))
        else { throw PIIError(description: "\(field.rawValue) of row \(row) is not a readable sealed value") }
        guard let bytes = rootBytes[version] else {
            throw PIIError(
                description: "\(field.rawValue) of row \(row) is sealed with key version \(version), "
                    + "which PII_KEY_FILE does not hold")
        }
        do {
            let root = SymmetricKey(data: bytes)
            let box = try AES.GCM.SealedBox(combined: data)
            let plain = try AES.GCM.open(
                box, using: Self.fieldKey(root, field),
                authenticating: Self.associatedData(field, row))
            return String(decoding: plain, as: UTF8.self)
        } catch {
            throw PIIError(
                description: "\(field.rawValue) of row \(row) does not decrypt: changed, or copied "
                    + "from another row or column")
        }
    }

    public func open(_ stored: String?, _ field: PIIField, row: Int) throws -> String? {
        try stored.map { try open($0, field, row: row) }
    }

    /// The key version a stored value is sealed with; `nil` for a value in clear.
    public static func version(of stored: String) -> Int? {
        guard stored.hasPrefix(prefix) else { return nil }
        let rest = stored.dropFirst(prefix.count)
        return rest.firstIndex(of: ":").flatMap { Int(rest[..<$0]) }
    }

    /// The blind index of a normalised email under the current key (unkeyed without one).
    public func emailIndex(_ normalized: String) -> String {
        emailIndex(normalized, version: currentVersion)
    }

    /// Every index the email may be stored under: each key version's, and the unkeyed one of rows written
    /// before encryption was turned on, so lookups work throughout a key rotation.
    public func emailIndexes(_ normalized: String) -> [String] {
        [emailIndex(normalized, version: nil)] + rootBytes.keys.sorted().map { emailIndex(normalized, version: $0) }
    }

    func emailIndex(_ normalized: String, version: Int?) -> String {
        let digest: [UInt8]
        if let version, let bytes = rootBytes[version] {
            let root = SymmetricKey(data: bytes)
            let key = HKDF<SHA256>.deriveKey(
                inputKeyMaterial: root, salt: Data("storefront-pii-v1".utf8),
                info: Data("index:customers.email".utf8), outputByteCount: 32)
            digest = Array(HMAC<SHA256>.authenticationCode(for: Data(normalized.utf8), using: key))
        } else {
            digest = Array(SHA256.hash(data: Data(("storefront-email-index:" + normalized).utf8)))
        }
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    static func fieldKey(_ root: SymmetricKey, _ field: PIIField) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: root, salt: Data("storefront-pii-v1".utf8),
            info: Data(("field:" + field.rawValue).utf8), outputByteCount: 32)
    }

    static func associatedData(_ field: PIIField, _ row: Int) -> Data { Data("\(field.rawValue)#\(row)".utf8) }

    static func hexBytes(_ text: Substring) -> Data? {
        guard text.count % 2 == 0 else { return nil }
        var data = Data()
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            data.append(byte)
            index = next
        }
        return data
    }
}
