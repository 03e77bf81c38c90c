import FluentKit
import FluentSQL
import SQLKit

/// Fluent data types → MariaDB column types. UUIDs are `CHAR(36)` text (as fluent-sqlite stores them), so
/// a SQLite database copies to MariaDB value for value; datetimes keep microseconds.
struct MariaDBConverterDelegate: SQLConverterDelegate {
    func customDataType(_ dataType: DatabaseSchema.DataType) -> (any SQLExpression)? {
        switch dataType {
        case .string: return SQLRaw("VARCHAR(255)")
        case .datetime: return SQLRaw("DATETIME(6)")
        case .uuid: return SQLRaw("CHAR(36)")
        case .bool: return SQLRaw("BOOL")
        case .array: return SQLRaw("JSON")
        case .dictionary: return SQLRaw("JSON")
        case .data: return SQLRaw("LONGBLOB")
        default: return nil
        }
    }
}
