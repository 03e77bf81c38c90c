import Crypto
import Foundation

/// AWS Signature Version 4 for requests authorised in the `Authorization` header.
///
/// Pure: the same request, credentials and time always give the same signature, which is what lets the unit
/// tests check it against AWS's published examples. The secret key never appears in `description`.
public struct SigV4Signer: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public let accessKey: String
    private let secretKey: String
    public let region: String
    public let service: String

    /// `x-amz-content-sha256` for a body that is not hashed in advance.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// The hex SHA-256 of an empty body.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let algorithm = "AWS4-HMAC-SHA256"

    public init(accessKey: String, secretKey: String, region: String, service: String = "s3") {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.region = region
        self.service = service
    }

    public var description: String { "SigV4Signer(\(accessKey), \(region), \(service))" }
    public var debugDescription: String { description }

    /// A signed request: the intermediate strings (for tests and diagnostics) and the headers to send.
    public struct Signature: Sendable {
        public let canonicalRequest: String
        public let stringToSign: String
        /// The lower-case names of the signed headers, `;`-separated.
        public let signedHeaders: String
        /// The hex signature.
        public let signature: String
        /// The `Authorization` header's value.
        public let authorization: String
        /// The headers to send: those given, plus `x-amz-date` (when missing) and `Authorization`.
        public let headers: [(name: String, value: String)]
    }

    /// Signs a request.
    ///
    /// - Parameters:
    ///   - path: the path exactly as sent, already URI-encoded (``canonicalPath(_:)`` encodes a raw one).
    ///   - query: decoded query parameters; they are encoded and sorted here.
    ///   - headers: the headers to sign, `host` among them; `x-amz-date` is added when missing.
    ///   - payloadHash: hex SHA-256 of the body, or ``unsignedPayload``.
    public func sign(
        method: String, path: String, query: [(String, String)] = [], headers: [(String, String)],
        payloadHash: String, date: Date
    ) -> Signature {
        let stamp = Self.timestamp(date)
        var headers = headers
        if !headers.contains(where: { $0.0.lowercased() == "x-amz-date" }) {
            headers.append(("x-amz-date", stamp.dateTime))
        }
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(headers)
        let canonicalRequest = [
            method.uppercased(), path.isEmpty ? "/" : path, Self.canonicalQuery(query), canonicalHeaders,
            signedHeaders, payloadHash,
        ].joined(separator: "\n")
        let scope = "\(stamp.day)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            Self.algorithm, stamp.dateTime, scope, Self.hexSHA256(Data(canonicalRequest.utf8)),
        ].joined(separator: "\n")
        let key = Self.signingKey(secretKey: secretKey, day: stamp.day, region: region, service: service)
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
        let authorization = "\(Self.algorithm) Credential=\(accessKey)/\(scope), SignedHeaders=\(signedHeaders), "
            + "Signature=\(signature)"
        return Signature(
            canonicalRequest: canonicalRequest, stringToSign: stringToSign, signedHeaders: signedHeaders,
            signature: signature, authorization: authorization,
            headers: headers.map { (name: $0.0, value: $0.1) } + [(name: "Authorization", value: authorization)])
    }
}

extension SigV4Signer {
    /// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request")`.
    public static func signingKey(secretKey: String, day: String, region: String, service: String)
        -> SymmetricKey {
        var key = SymmetricKey(data: Data(("AWS4" + secretKey).utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    /// Lower-case names, values trimmed with inner runs of white space folded to one space, repeated headers
    /// joined with commas in the order given, sorted by name.
    public static func canonicalHeaders(_ headers: [(String, String)]) -> (canonical: String, signed: String) {
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            merged[name.lowercased(), default: []].append(foldWhiteSpace(value))
        }
        let names = merged.keys.sorted()
        let canonical = names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
        return (canonical, names.joined(separator: ";"))
    }

    /// Names and values URI-encoded (`/` too), sorted by name and then value, `name=value` joined by `&`.
    public static func canonicalQuery(_ query: [(String, String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { pair in
            (uriEncode(pair.0, encodeSlash: true), uriEncode(pair.1, encodeSlash: true))
        }
        let sorted = encoded.sorted { left, right in
            left.name == right.name ? left.value < right.value : left.name < right.name
        }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// A raw path encoded segment by segment, `/` kept: the form S3 expects both on the wire and in the
    /// canonical request (S3 does not normalise or double-encode paths).
    public static func canonicalPath(_ rawPath: String) -> String {
        let encoded = rawPath.split(separator: "/", omittingEmptySubsequences: false)
            .map { uriEncode(String($0), encodeSlash: true) }
            .joined(separator: "/")
        return encoded.hasPrefix("/") ? encoded : "/" + encoded
    }

    /// AWS's URI encoding: unreserved characters (`A-Z a-z 0-9 - . _ ~`) as they are, every other UTF-8 byte
    /// as `%XX` with upper-case hex; `/` kept unless `encodeSlash`.
    public static func uriEncode(_ string: String, encodeSlash: Bool) -> String {
        var result = ""
        result.reserveCapacity(string.utf8.count)
        for byte in string.utf8 {
            if isUnreserved(byte) || (byte == slash && !encodeSlash) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result.append("%")
                result.append(hexDigits[Int(byte >> 4)])
                result.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return result
    }

    public static func hexSHA256(_ data: some DataProtocol) -> String {
        hex(SHA256.hash(data: data))
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var text = ""
        for byte in bytes {
            text.append(lowerHexDigits[Int(byte >> 4)])
            text.append(lowerHexDigits[Int(byte & 0x0F)])
        }
        return text
    }

    /// `x-amz-date` (`20130524T000000Z`) and the scope's day (`20130524`), in UTC.
    static func timestamp(_ date: Date) -> (dateTime: String, day: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { value.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        let day = "\(parts.year ?? 1970)\(two(parts.month))\(two(parts.day))"
        return ("\(day)T\(two(parts.hour))\(two(parts.minute))\(two(parts.second))Z", day)
    }

    private static func foldWhiteSpace(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
            .joined(separator: " ")
    }

    private static let slash = UInt8(ascii: "/")

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39: true  // A-Z a-z 0-9
        case 0x2D, 0x2E, 0x5F, 0x7E: true  // - . _ ~
        default: false
        }
    }

    private static let hexDigits: [Character] = Array("0123456789ABCDEF")
    private static let lowerHexDigits: [Character] = Array("0123456789abcdef")
}
