import FluentKit

/// A write refused by the fence an online migration put on the SQLite file (`dbctl migrate --online`): the
/// file's triggers abort with a message that starts with `messagePrefix` and says where the data went. The
/// instance is on the wrong database (it was not switched, or is still being switched), so the answer is a
/// `503` to retry rather than a conflict in the caller's data.
public enum FencedWrite {
    /// The start of dbctl's fence message (`Fence.message`); MigrationTests checks that the two agree.
    public static let messagePrefix = "this SQLite database moved to MariaDB"

    static func matches(_ error: any Error) -> Bool {
        guard let database = error as? any DatabaseError, database.isConstraintFailure else { return false }
        return String(describing: error).contains(messagePrefix)
    }
}
