import AuditTrail
import DbctlConfig
import Foundation
import Notify

/// The threat rules over the shop's own audit log (`security.audit.app_logs`): what the storefront saw of
/// its customers' sign-ins and its admin API. The shop already refuses the attacker (a 401, a locked
/// account, a 429); these rules make the refusals an alert, so someone looks at who is trying.
///
/// The shop records a refused sign-in as `signin` with outcome `failed: <reason>`, `locked` or `limited`,
/// the customer it was aimed at as the object when the email is known, and the client's address; an admin
/// call without a valid key as `unauthorized`, one outside its key's scopes as `denied: scope …`.
struct ShopSignInRules {
    let section: ThreatsSection
    let rules: ThreatRules

    init(rules: ThreatRules) {
        self.rules = rules
        section = rules.section
    }

    func evaluate(_ recent: [AuditEvent]) -> [Alert] {
        let signIns = recent.filter { $0.event == "signin" }
        let failed = signIns.filter { $0.outcome.hasPrefix("failed") }
        var alerts = failures(failed)
        alerts += lockOuts(signIns.filter { $0.outcome == "locked" })
        let limited = recent.filter { ["signin", "customer.create"].contains($0.event) && $0.outcome == "limited" }
        for (client, events) in Dictionary(grouping: limited, by: \.host).sorted(by: { $0.key < $1.key }) {
            let what = Set(events.map { $0.event == "signin" ? "sign-ins" : "sign-ups" }).sorted()
            alerts.append(
                rules.alert(
                    "security.shop.rate_limited/\(client)", .warning,
                    "the shop refused \(events.count) \(what.joined(separator: " and ")) from \(client) over its "
                        + "rate limit in \(rules.windowText)",
                    rules.evidence(events[0], ["count": "\(events.count)"])))
        }
        alerts += adminRefusals(recent)
        return alerts
    }

    /// Bursts of wrong passwords from one address, and one address trying many accounts (credential stuffing,
    /// or enumeration of emails that are not customers).
    func failures(_ failed: [AuditEvent]) -> [Alert] {
        var alerts: [Alert] = []
        for (client, events) in Dictionary(grouping: failed, by: \.host).sorted(by: { $0.key < $1.key }) {
            let accounts = Set(events.map(\.object).filter { !$0.isEmpty })
            let unknown = events.filter { $0.object.isEmpty }.count
            let facts = [
                "count": "\(events.count)", "accounts": "\(accounts.count)", "unknown_emails": "\(unknown)",
                "targets": accounts.sorted().prefix(10).joined(separator: ","),
            ]
            if accounts.count >= section.failedLogins || unknown >= section.failedLogins {
                alerts.append(
                    rules.alert(
                        "security.shop.credential_stuffing/\(client)", .critical,
                        "\(client) failed to sign in to \(accounts.count) customers' accounts and with \(unknown) "
                            + "emails that are no customer's in \(rules.windowText): credential stuffing or "
                            + "enumeration", rules.evidence(events[0], facts)))
            } else if events.count >= section.failedLogins {
                alerts.append(
                    rules.alert(
                        "security.shop.signin_failures/\(client)", .warning,
                        "\(events.count) failed sign-ins to the shop from \(client) in \(rules.windowText) "
                            + "(threshold \(section.failedLogins))", rules.evidence(events[0], facts)))
            }
        }
        return alerts
    }

    /// Customers' accounts the shop locked after too many wrong passwords, each once, with who tried.
    func lockOuts(_ locked: [AuditEvent]) -> [Alert] {
        let byAccount = Dictionary(grouping: locked) { $0.object.isEmpty ? "unknown-email" : $0.object }
        return byAccount.sorted { $0.key < $1.key }.map { account, events in
            let clients = Set(events.map(\.host)).sorted()
            return rules.alert(
                "security.shop.account_locked/\(account)", .warning,
                "the shop locked \(account) after too many wrong passwords; \(events.count) more tries from "
                    + clients.joined(separator: ", ") + " while locked",
                rules.evidence(events[0], ["count": "\(events.count)", "clients": clients.joined(separator: ",")]))
        }
    }

    /// Admin API calls without a valid key (a burst is someone guessing keys) or beyond the key's scopes
    /// (each one: a key used for what it was not given for).
    func adminRefusals(_ recent: [AuditEvent]) -> [Alert] {
        var alerts: [Alert] = []
        let unauthorized = recent.filter { $0.outcome == "unauthorized" }
        for (client, events) in Dictionary(grouping: unauthorized, by: \.host).sorted(by: { $0.key < $1.key })
        where events.count >= section.failedLogins {
            alerts.append(
                rules.alert(
                    "security.shop.admin_key/\(client)", .critical,
                    "\(events.count) admin API calls without a valid key from \(client) in \(rules.windowText)",
                    rules.evidence(
                        events[0],
                        [
                            "count": "\(events.count)",
                            "actions": Set(events.map(\.event)).sorted().prefix(5)
                                .joined(separator: ","),
                        ])))
        }
        let denied = recent.filter { $0.outcome.hasPrefix("denied") }
        for (actor, events) in Dictionary(grouping: denied, by: \.user).sorted(by: { $0.key < $1.key }) {
            alerts.append(
                rules.alert(
                    "security.shop.admin_scope/\(actor)", .warning,
                    "\(actor) called \(events.count) admin actions its key's scopes do not allow "
                        + "(first \(events[0].event), \(events[0].outcome))",
                    rules.evidence(events[0], ["count": "\(events.count)"])))
        }
        return alerts
    }
}
