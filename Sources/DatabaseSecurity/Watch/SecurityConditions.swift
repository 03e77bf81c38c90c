import DbctlConfig
import Foundation
import Notify

/// The security conditions the agent watches, each an alert while it holds: certificates of `security.tls`
/// inside `renew_before` of their end (and the one the server serves), and credential secrets older than
/// their `max_age` allows. Pure: files and the served date in, alerts out.
public struct SecurityConditions: Sendable {
    public let configuration: DbctlConfiguration

    public init(configuration: DbctlConfiguration) { self.configuration = configuration }

    /// `serving`: the server's `Ssl_server_not_after`, when the agent could read it.
    public func evaluate(now: Date, serving: Date? = nil) -> [Alert] {
        var alerts: [Alert] = []
        if let tls = configuration.security?.tls { alerts += certificateAlerts(tls, now: now, serving: serving) }
        for set in configuration.security?.credentials ?? [] { alerts += credentialAlerts(set, now: now) }
        return alerts
    }

    func certificateAlerts(_ section: TLSSection, now: Date, serving: Date?) -> [Alert] {
        let directory = TLSDirectory(path: section.directory)
        var files = [("ca", directory.caCertificate), ("server", directory.serverCertificate)]
        files += section.clients.map { ("client-\($0)", directory.clientCertificate($0)) }
        var alerts: [Alert] = []
        for (name, file) in files {
            let all: [(String, CertificateFacts)]
            do {
                // During a CA rotation ca.pem holds two CAs: the older is "ca", the newer "ca-new".
                all = try CertificateFacts.readAll(file).enumerated().map {
                    ($0.offset == 0 ? name : name + "-new", $0.element)
                }
            } catch {
                alerts.append(alert("security.tls.unreadable/\(name)", .critical, "\(error)", ["file": file]))
                continue
            }
            for (name, facts) in all {
                if let expiry = expiryAlert(
                    name: name, notAfter: facts.notAfter, section: section, now: now,
                    evidence: ["file": file, "not_after": Self.stamp(facts.notAfter)])
                {
                    alerts.append(expiry)
                }
            }
        }
        if let serving,
            let expiry = expiryAlert(
                name: "serving", notAfter: serving, section: section, now: now,
                evidence: ["server": configuration.server?.url ?? "", "not_after": Self.stamp(serving)])
        {
            alerts.append(expiry)
        }
        return alerts
    }

    func expiryAlert(
        name: String, notAfter: Date, section: TLSSection, now: Date, evidence: [String: String]
    ) -> Alert? {
        let left = notAfter.timeIntervalSince(now)
        guard left < section.renewBefore else { return nil }
        let days = Int((left / 86_400).rounded(.down))
        let what = name == "serving" ? "the certificate the server serves" : "certificate \(name)"
        let fix: String
        if name.hasPrefix("ca") {
            fix = "dbctl security tls rotate --ca --execute (three stages; docs/security.md)"
        } else if name.hasPrefix("client-") {
            fix = "issue a new one (remove the pair, then dbctl security tls init --execute)"
        } else {
            fix = "dbctl security tls rotate --execute"
        }
        let summary =
            left <= 0
            ? "\(what) expired on \(Self.stamp(notAfter)); \(fix)"
            : "\(what) expires in \(days) days (\(Self.stamp(notAfter))); \(fix)"
        var facts = evidence
        facts["days_left"] = "\(days)"
        return alert("security.tls.expiry/\(name)", left < 7 * 86_400 ? .critical : .warning, summary, facts)
    }

    func credentialAlerts(_ set: CredentialSet, now: Date) -> [Alert] {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: set.file),
            let changed = attributes[.modificationDate] as? Date
        else {
            return [
                alert(
                    "security.credentials.unreadable/\(set.name)", .critical,
                    "secret file \(set.file) of credential set \(set.name) cannot be read", ["file": set.file])
            ]
        }
        let age = now.timeIntervalSince(changed)
        // Warned a week ahead, or at nine tenths of a short max_age.
        let warnAt = max(set.maxAge * 0.9, set.maxAge - 7 * 86_400)
        guard age >= warnAt else { return [] }
        let days = Int(age / 86_400)
        let limit = Int(set.maxAge / 86_400)
        let evidence = [
            "file": set.file, "age_days": "\(days)", "max_age_days": "\(limit)",
            "last_rotated": Self.stamp(changed),
        ]
        let fix = "dbctl security credentials rotate --set \(set.name) --execute"
        if age >= set.maxAge {
            return [
                alert(
                    "security.credentials.age/\(set.name)", .critical,
                    "the \(set.name) secret is \(days) days old, past max_age \(limit) days; \(fix)", evidence)
            ]
        }
        return [
            alert(
                "security.credentials.age/\(set.name)", .warning,
                "the \(set.name) secret is \(days) days old; max_age is \(limit) days; \(fix)", evidence)
        ]
    }

    func alert(_ id: String, _ severity: Alert.Severity, _ summary: String, _ evidence: [String: String]) -> Alert {
        Alert(id: id, severity: severity, summary: summary, evidence: evidence, source: "security")
    }

    static func stamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
