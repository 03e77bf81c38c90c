import AuditTrail

extension AuditLog {
    /// The log `configuration` names, or `nil` without `AUDIT_LOG_FILE`.
    public static func open(_ configuration: StorefrontConfiguration) throws -> AuditLog? {
        guard let path = configuration.auditLogFile else { return nil }
        return try AuditLog(path: path, keyFile: configuration.auditKeyFile)
    }
}
