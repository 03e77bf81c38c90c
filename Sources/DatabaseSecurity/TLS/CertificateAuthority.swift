import Crypto
import Foundation
import SwiftASN1
import X509

/// dbctl's private certificate authority: an ECDSA P-256 key and a self-signed CA certificate that signs the
/// server's and the clients' certificates. Nothing leaves the machine it runs on; the CA key is 0600.
public struct CertificateAuthority: Sendable {
    public let certificate: Certificate
    let key: Certificate.PrivateKey

    /// A new authority named `name`, valid for `validity` from `now`.
    public static func create(name: String, validity: TimeInterval, now: Date = Date()) throws -> CertificateAuthority {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let subject = try DistinguishedName {
            OrganizationName("dbctl")
            CommonName(name)
        }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: key.publicKey)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(validity),
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
            issuerPrivateKey: key)
        return CertificateAuthority(certificate: certificate, key: key)
    }

    /// The authority in `directory`: the certificate of `ca.pem` that `ca-key.pem` belongs to. During a CA
    /// rotation `ca.pem` holds two CAs (the trust bundle), and the key names the one that signs.
    public static func load(from directory: TLSDirectory, keyFile: String? = nil) throws -> CertificateAuthority {
        let keyFile = keyFile ?? directory.caKey
        let bundle = try trusted(in: directory)
        try directory.requirePrivate(keyFile)
        let key: Certificate.PrivateKey
        do { key = try Certificate.PrivateKey(pemEncoded: try directory.read(keyFile)) } catch {
            throw SecurityError(.tls, "\(keyFile): not a PEM private key (\(error))")
        }
        guard let certificate = bundle.first(where: { $0.publicKey == key.publicKey }) else {
            throw SecurityError(.tls, "\(keyFile) is not the key of any CA in \(directory.caCertificate)")
        }
        return CertificateAuthority(certificate: certificate, key: key)
    }

    /// Every CA certificate `ca.pem` holds, in file order (one, or two during a CA rotation).
    public static func trusted(in directory: TLSDirectory) throws -> [Certificate] {
        let file = directory.caCertificate
        let text = try directory.read(file)
        let certificates: [Certificate]
        do {
            certificates = try PEMDocument.parseMultiple(pemString: text).map { try Certificate(pemDocument: $0) }
        } catch {
            throw SecurityError(.tls, "\(file): not a PEM certificate (\(error))")
        }
        guard !certificates.isEmpty else { throw SecurityError(.tls, "\(file) holds no certificate") }
        return certificates
    }

    /// The bundle's PEM text: each certificate, in order.
    static func bundle(_ certificates: [Certificate]) throws -> String {
        try certificates.map { try $0.serializeAsPEM().pemString + "\n" }.joined()
    }

    public enum Purpose: Sendable { case server, client }

    /// A certificate for `commonName` signed by this authority. A server's names every entry of `hosts` as a
    /// subject alternative name (an address as an IP entry), which is what verify-identity checks.
    public func issue(
        _ purpose: Purpose, commonName: String, hosts: [String] = [], validity: TimeInterval, now: Date = Date()
    ) throws -> (certificate: Certificate, key: Certificate.PrivateKey) {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let subject = try DistinguishedName {
            OrganizationName("dbctl")
            CommonName(commonName)
        }
        let notAfter = min(now.addingTimeInterval(validity), certificate.notValidAfter)
        let names = hosts.map(Self.generalName)
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true, keyAgreement: true))
            try ExtendedKeyUsage([purpose == .server ? .serverAuth : .clientAuth])
            SubjectKeyIdentifier(hash: key.publicKey)
            AuthorityKeyIdentifier(keyIdentifier: try certificate.extensions.subjectKeyIdentifier?.keyIdentifier)
            if !names.isEmpty { SubjectAlternativeNames(names) }
        }
        let issued = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: notAfter,
            issuer: certificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions, issuerPrivateKey: self.key)
        return (issued, key)
    }

    static func generalName(_ host: String) -> GeneralName {
        if let bytes = IPAddress.bytes(host) { return .ipAddress(ASN1OctetString(contentBytes: bytes[...])) }
        return .dnsName(host)
    }
}

/// IPv4 and IPv6 addresses as the bytes a certificate's IP entry holds.
enum IPAddress {
    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
