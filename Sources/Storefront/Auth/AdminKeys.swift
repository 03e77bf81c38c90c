import AuditTrail
import Foundation
import HTTPTypes
import Hummingbird

/// What an admin key may do.
public enum AdminScope: String, Sendable, CaseIterable, Comparable {
    /// Categories, products, inventory.
    case catalog
    /// Order status changes.
    case orders
    /// Reading customer profiles (support staff).
    case customers
    /// The database control API (freeze, switch, thaw) the cut-over and rotation tools drive.
    case database

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// One admin key: a name for logs (never the key itself), its scopes and the secret.
public struct AdminKey: Sendable, Equatable {
    public var name: String
    public var scopes: Set<AdminScope>
    public var secret: String

    public init(name: String, scopes: Set<AdminScope>, secret: String) {
        self.name = name
        self.scopes = scopes
        self.secret = secret
    }

    /// `ADMIN_API_KEYS_FILE`: one key per line, `NAME SCOPES KEY`, scopes comma-separated or `*` for all; `#`
    /// comments. The file must not be readable by group or others (it holds secrets).
    public static func load(file: String) throws -> [AdminKey] {
        try SecretFile.checkPrivate(file, setting: "ADMIN_API_KEYS_FILE")
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw StorefrontConfigurationError("ADMIN_API_KEYS_FILE \(file) cannot be read")
        }
        var keys: [AdminKey] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            let place = "ADMIN_API_KEYS_FILE \(file):\(number + 1)"
            guard fields.count == 3 else { throw StorefrontConfigurationError("\(place): expected NAME SCOPES KEY") }
            var scopes = Set<AdminScope>()
            for name in fields[1].split(separator: ",").map(String.init) {
                if name == "*" {
                    scopes.formUnion(AdminScope.allCases)
                    continue
                }
                guard let scope = AdminScope(rawValue: name) else {
                    let known = AdminScope.allCases.map(\.rawValue).joined(separator: ", ")
                    throw StorefrontConfigurationError("\(place): unknown scope \(name) (known: \(known), *)")
                }
                scopes.insert(scope)
            }
            guard fields[2].count >= ProductionPolicy.minimumAdminKeyLength else {
                throw StorefrontConfigurationError(
                    "\(place): key \(fields[0]) has fewer than \(ProductionPolicy.minimumAdminKeyLength) characters")
            }
            guard !keys.contains(where: { $0.name == fields[0] }) else {
                throw StorefrontConfigurationError("\(place): key name \(fields[0]) is used twice")
            }
            keys.append(AdminKey(name: fields[0], scopes: scopes, secret: fields[2]))
        }
        return keys
    }
}

/// Files that hold secrets must be readable by their owner only.
enum SecretFile {
    static func checkPrivate(_ path: String, setting: String) throws {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let mode = attributes[.posixPermissions] as? Int
        else { throw StorefrontConfigurationError("\(setting) \(path) does not exist") }
        guard mode & 0o077 == 0 else {
            throw StorefrontConfigurationError(
                "\(setting) \(path) is readable by group or others (mode \(String(mode, radix: 8))); chmod 600 it")
        }
    }
}

/// `X-API-Key` against every configured key in constant time; the key must carry `scope`. Without any key the
/// admin area is closed.
struct AdminKeyMiddleware: RouterMiddleware {
    typealias Context = ShopRequestContext
    let keys: [AdminKey]
    let scope: AdminScope
    let audit: AuditLog?
    let addresses: ClientAddress

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard !keys.isEmpty else {
            throw APIError(.forbidden, code: "admin_disabled", "the admin API is disabled: set ADMIN_API_KEY")
        }
        let given = Array((request.headers[HTTPField.Name("X-API-Key")!] ?? "").utf8)
        var match: AdminKey?
        for key in keys where Self.equal(given, Array(key.secret.utf8)) { match = key }
        let client = addresses.of(request, context)
        let action = "\(request.method.rawValue) \(request.uri.path)"
        guard let match else {
            audit?.record(
                actor: "anonymous", action: action, outcome: "unauthorized", client: client,
                requestID: context.id, logger: context.logger)
            throw APIError(.unauthorized, code: "unauthorized", "missing or wrong X-API-Key")
        }
        guard match.scopes.contains(scope) else {
            audit?.record(
                actor: "admin:\(match.name)", action: action, outcome: "denied: scope \(scope.rawValue)",
                client: client, requestID: context.id, logger: context.logger)
            context.logger.notice(
                "admin key used outside its scopes",
                metadata: [
                    "event": "admin_scope_denied", "key": "\(match.name)", "scope": "\(scope.rawValue)",
                ])
            throw APIError(
                .forbidden, code: "insufficient_scope",
                "admin key \(match.name) lacks the scope \(scope.rawValue)")
        }
        do {
            let response = try await next(request, context)
            audit?.record(
                actor: "admin:\(match.name)", action: action, outcome: String(response.status.code),
                client: client, requestID: context.id, logger: context.logger)
            return response
        } catch let error as APIError {
            audit?.record(
                actor: "admin:\(match.name)", action: action, outcome: String(error.status.code),
                client: client, requestID: context.id, logger: context.logger)
            throw error
        } catch {
            audit?.record(
                actor: "admin:\(match.name)", action: action, outcome: "error", client: client,
                requestID: context.id, logger: context.logger)
            throw error
        }
    }

    /// Compares every byte whatever the lengths, so the time taken does not reveal a matching prefix.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }
}
