import Foundation

/// One backup in one location, as retention sees it.
public struct RetainedBackup: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, Codable {
        case full
        case incremental
    }

    public var id: String
    public var kind: Kind
    /// For an incremental, the backup it applies on top of (a full or another incremental).
    public var parent: String?
    /// The consistent point's time.
    public var end: Date
    /// Complete and verified in this location.
    public var verified: Bool
    /// The GTID position at the consistent point (`0-1-42`, or a list `0-1-42,1-2-7`).
    public var gtidStart: String?

    public init(
        id: String, kind: Kind, parent: String? = nil, end: Date, verified: Bool, gtidStart: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.parent = parent
        self.end = end
        self.verified = verified
        self.gtidStart = gtidStart
    }
}
