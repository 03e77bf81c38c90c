import Foundation

/// One archived binlog file in one location, as retention sees it.
public struct RetainedBinlog: Sendable, Equatable {
    /// The server's file name (`mariadb-bin.000042`); files sort by their numeric extension.
    public var name: String
    /// The GTID of the file's first transaction, and of its last (per domain, as a list, when it has several).
    public var firstGTID: String?
    public var lastGTID: String?
    /// The times of the file's first and last events.
    public var firstTime: Date
    public var lastTime: Date

    public init(name: String, firstGTID: String? = nil, lastGTID: String? = nil, firstTime: Date, lastTime: Date) {
        self.name = name
        self.firstGTID = firstGTID
        self.lastGTID = lastGTID
        self.firstTime = firstTime
        self.lastTime = lastTime
    }

    /// The file name without its numeric extension, and the extension's number (nil when it has none).
    var sequence: (base: String, number: Int?) {
        guard let dot = name.lastIndex(of: "."), let number = Int(name[name.index(after: dot)...]) else {
            return (name, nil)
        }
        return (String(name[..<dot]), number)
    }
}
