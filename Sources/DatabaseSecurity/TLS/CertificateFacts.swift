import Foundation
import SwiftASN1
import X509

/// What a certificate says that an operator checks: who, for which names, until when.
public struct CertificateFacts: Sendable, Equatable {
    public let subject: String
    public let names: [String]
    public let notAfter: Date
    public let serial: String

    public init(_ certificate: Certificate) {
        subject = certificate.subject.description
        var names: [String] = []
        if let alternatives = try? certificate.extensions.subjectAlternativeNames {
            for name in alternatives {
                switch name {
                case .dnsName(let host): names.append(host)
                case .ipAddress(let octets): names.append(Self.address(Array(octets.bytes)))
                default: continue
                }
            }
        }
        self.names = names
        notAfter = certificate.notValidAfter
        serial = certificate.serialNumber.description
    }

    public static func read(_ file: String) throws -> CertificateFacts {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw SecurityError(.tls, "\(file) cannot be read")
        }
        do { return CertificateFacts(try Certificate(pemEncoded: text)) } catch {
            throw SecurityError(.tls, "\(file): not a PEM certificate (\(error))")
        }
    }

    /// Every certificate of a bundle (`ca.pem` holds two during a CA rotation).
    public static func readAll(_ file: String) throws -> [CertificateFacts] {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw SecurityError(.tls, "\(file) cannot be read")
        }
        do {
            let certificates = try PEMDocument.parseMultiple(pemString: text).map {
                CertificateFacts(try Certificate(pemDocument: $0))
            }
            guard !certificates.isEmpty else { throw SecurityError(.tls, "\(file) holds no certificate") }
            return certificates
        } catch let error as SecurityError { throw error } catch {
            throw SecurityError(.tls, "\(file): not a PEM certificate (\(error))")
        }
    }

    public func daysLeft(now: Date = Date()) -> Int { Int(notAfter.timeIntervalSince(now) / 86_400) }

    static func address(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var raw = in6_addr()
        withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: bytes.prefix(16)) }
        guard inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(cString: buffer)
    }

    /// The server's `Ssl_server_not_after` status ("Dec  3 05:40:12 2027 GMT", OpenSSL's form) as a date.
    public static func serverDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ").map(String.init)
        guard parts.count == 5 else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "MMM d HH:mm:ss yyyy"
        return formatter.date(from: parts[0...3].joined(separator: " "))
    }
}
