import Foundation
import MariaDB

/// Turns an inspected source (+ profiles, or the target's existing tables) into a `MigrationPlan`.
public struct Planner {
    public var schema: SourceSchema
    public var profiles: [String: (rows: Int, columns: [String: ColumnProfile])]
    public var orphans: [String: [(rowid: Int64?, parent: String, fk: Int)]]
    public var onOrphan: OrphanPolicy
    public var sourcePath: String
    /// `--round-decimals`: keep declared scales and round longer values half-even (counted) instead of
    /// widening the scale to the data.
    public var roundDecimals = false

    public enum OrphanPolicy: String, Sendable, Codable, CaseIterable { case stop, quarantine, keep }

    public init(schema: SourceSchema, profiles: [String: (rows: Int, columns: [String: ColumnProfile])],
                orphans: [String: [(rowid: Int64?, parent: String, fk: Int)]], onOrphan: OrphanPolicy, sourcePath: String) {
        self.schema = schema
        self.profiles = profiles
        self.orphans = orphans
        self.onOrphan = onOrphan
        self.sourcePath = sourcePath
    }

    /// utf8mb4 B-tree keys hold 3072 bytes: 768 characters of 4 bytes.
    static let maxIndexedChars = 768

    // MARK: generic

    public func genericPlan() throws -> MigrationPlan {
        var warnings: [String] = []
        var tables: [TablePlan] = []
        for table in schema.tables {
            let profile = profiles[table.name] ?? (0, [:])
            let indexedColumns = Set(table.indexes.flatMap { $0.columns.compactMap { $0 } } + table.primaryKey + table.foreignKeys.flatMap(\.columns))
            var columns: [ColumnPlan] = []
            for column in table.columns {
                // Generated columns are computed on the target, never loaded (SchemaObjectPlanner).
                if column.isGenerated { continue }
                var plan = chooseType(table: table, column: column, profile: profile.columns[column.name] ?? ColumnProfile(), indexed: indexedColumns.contains(column.name), warnings: &warnings)
                if plan.type.isText {
                    let (collation, note) = Self.collation(for: column.collation)
                    plan.collation = collation
                    if let note { plan.reason += "; " + note }
                }
                columns.append(plan)
            }
            let primaryKey = table.primaryKey
            if primaryKey.isEmpty && !table.withoutRowID {
                warnings.append("\(table.name): no primary key; the copy adds none and verification matches rows by content order (add one for online migration)")
            }
            let order = table.primaryKey.isEmpty ? ["rowid"] : table.primaryKey
            var autoIncrementFloor: Int64 = 1
            if let rowid = table.rowidAlias, let p = profile.columns[rowid] {
                autoIncrementFloor = max((p.maxInteger ?? 0) + 1, (schema.sequences[table.name] ?? 0) + 1)
            }
            tables.append(TablePlan(
                name: table.name, columns: columns, primaryKey: primaryKey, sourceOrder: order,
                autoIncrementColumn: table.rowidAlias, autoIncrementFloor: autoIncrementFloor,
                indexes: indexPlans(table, columns: columns, warnings: &warnings),
                foreignKeys: try foreignKeyPlans(table, warnings: &warnings), rows: profile.rows, withoutRowID: table.withoutRowID))
        }
        unifyForeignKeyTypes(&tables, warnings: &warnings)
        if schema.orm == .django {
            warnings.insert("Django database: for the exact schema Django expects (DECIMAL precision, Django's constraint and index names) run `manage.py migrate` against the empty target first; dbctl then loads into it (--schema existing). This generic plan approximates it from the SQLite file.", at: 0)
        }
        for table in schema.tables {
            for check in table.checks {
                warnings.append("\(table.name): CHECK (\(check.prefix(120))) not migrated (SQLite SQL); the copied data satisfied it, add it on the target if the application relies on it")
            }
        }
        return MigrationPlan(source: sourcePath, schemaMode: .generic, orm: schema.orm, tables: tables, warnings: warnings,
                             estimatedRows: tables.map(\.rows).reduce(0, +))
    }

    func chooseType(table: SourceTable, column: SourceColumn, profile p: ColumnProfile, indexed: Bool, warnings: inout [String]) -> ColumnPlan {
        let declared = column.declaredType.uppercased()
        let nullable = !(column.notNull || table.rowidAlias == column.name || table.primaryKey.contains(column.name)) || p.count("null") > 0
        var numbers: TemporalNumbers = .unixSeconds
        func plan(_ type: TargetType, _ reason: String) -> ColumnPlan {
            ColumnPlan(name: column.name, sourceType: column.declaredType, type: type, nullable: nullable, collation: nil, temporalNumbers: numbers, reason: reason)
        }
        let texts = p.count("text"), ints = p.count("integer"), reals = p.count("real"), blobs = p.count("blob")
        let nonNull = p.nonNull
        let where_ = "\(table.name).\(column.name)"
        if p.nonFiniteReals > 0 { warnings.append("\(where_): \(p.nonFiniteReals) NaN/Infinity value(s) have no MySQL equivalent; the copy stops on them") }
        if p.invalidUTF8 > 0 && !(declared.contains("BLOB")) {
            warnings.append("\(where_): \(p.invalidUTF8) value(s) are not valid UTF-8; column mapped to binary to keep the bytes")
            return plan(indexed ? .varbinary(max(p.maxBytes, 255)) : blobType(p.maxBytes), "invalid UTF-8 present: bytes kept exactly")
        }
        if table.rowidAlias == column.name { return plan(.integer(bits: 64, unsigned: false), "INTEGER PRIMARY KEY is SQLite's 64-bit rowid") }
        if declared.contains("BOOL"), texts + reals + blobs == 0, (p.minInteger ?? 0) >= 0, (p.maxInteger ?? 0) <= 1 {
            return plan(.boolean, "declared \(column.declaredType); values are 0/1")
        }
        if declared.contains("DATE") || declared.contains("TIME") {
            if declared == "TIME" { return plan(.time(fsp: 6), "declared TIME") }
            if texts == p.isoDates + p.isoDateTimes, blobs == 0, p.invalidUTF8 == 0 {
                let numeric = ints + reals
                if numeric > 0 && p.julianRangeNumbers == numeric { numbers = .julianDay }
                if p.julianRangeNumbers > 0 && p.julianRangeNumbers < numeric {
                    numbers = .perValue
                    warnings.append("\(where_): \(p.julianRangeNumbers) number(s) look like Julian days and \(numeric - p.julianRangeNumbers) like Unix seconds; each is read by its range (Julian days of the years 1000–9999, else Unix seconds)")
                }
                let dateOnly = declared.hasPrefix("DATE") && !declared.contains("TIME") && p.isoDateTimes == 0 && ints + reals == 0
                return dateOnly ? plan(.date, "declared \(column.declaredType); ISO dates")
                    : plan(.datetime(fsp: 6), "declared \(column.declaredType); ISO text\(ints + reals > 0 ? " and \(numbers == .julianDay ? "Julian-day" : numbers == .perValue ? "Julian-day and Unix-epoch" : "Unix-epoch") numbers" : ""); microseconds kept")
            }
            warnings.append("\(where_): declared \(column.declaredType) but \(texts - p.isoDates - p.isoDateTimes) value(s) are not ISO dates; kept as text")
        }
        if declared.contains("DEC") || declared.contains("NUMERIC") || declared.contains("MONEY"), texts == p.decimalTexts, blobs == 0 {
            let declaredPS = Self.precisionScale(declared)
            let integerDigits = max(p.maxRealIntegerDigits, p.maxTextIntegerDigits)
            if let (dp, ds) = declaredPS {
                let fraction = max(p.maxRealFractionDigits, p.maxTextSignificantFractionDigits)
                if fraction > ds && roundDecimals {
                    let precision = min(65, max(dp, integerDigits + ds))
                    warnings.append("\(where_): values with more than \(ds) decimals are rounded half-even to DECIMAL(\(precision),\(ds)) (--round-decimals); the report counts them")
                    var decided = plan(.decimal(precision: precision, scale: ds), "declared \(column.declaredType); longer fractions rounded (--round-decimals)")
                    decided.rounding = true
                    return decided
                }
                let scale = min(30, max(ds, fraction))
                let precision = min(65, max(dp - ds + scale, integerDigits + scale))
                if scale > ds {
                    warnings.append("\(where_): declared \(column.declaredType) but values carry up to \(fraction) decimals; DECIMAL(\(precision),\(scale)) keeps every digit (--round-decimals keeps the declared scale and rounds half-even)")
                } else if precision > dp {
                    warnings.append("\(where_): values need \(integerDigits) integer digits; DECIMAL(\(dp),\(ds)) widened to DECIMAL(\(precision),\(scale))")
                }
                return plan(.decimal(precision: precision, scale: scale), scale > ds ? "declared \(column.declaredType); scale widened to the data's \(scale) decimals" : "declared \(column.declaredType)")
            }
            let scale = min(30, max(p.maxRealFractionDigits, p.maxTextSignificantFractionDigits))
            let precision = min(65, max(integerDigits + scale, 10))
            return plan(.decimal(precision: precision, scale: scale), "declared \(column.declaredType) without precision; DECIMAL(\(precision),\(scale)) holds every value (\(integerDigits) integer, \(scale) fraction digits)")
        }
        if schema.orm == .fluent, declared == "REAL", column.name.hasSuffix("_at") || column.name.hasSuffix("At"), texts + blobs == 0 {
            return plan(.datetime(fsp: 6), "fluent stores Date as REAL Unix seconds; DATETIME(6) UTC keeps microseconds")
        }
        if declared.contains("JSON"), ints + reals + blobs == 0 { return plan(.json, "declared JSON; validated per value") }
        let affinity = column.affinity
        if ints > 0 && texts + reals + blobs == 0 || (nonNull == 0 && affinity == "INTEGER") {
            let fits32 = (p.minInteger ?? 0) >= Int64(Int32.min) && (p.maxInteger ?? 0) <= Int64(Int32.max)
            let bits = (fits32 && !declared.contains("BIG") && !indexed) ? 32 : 64
            return plan(.integer(bits: bits, unsigned: false), bits == 32 ? "integers within INT range" : "64-bit integers (key column or beyond INT)")
        }
        if reals + ints > 0 && texts + blobs == 0 {
            return plan(.double, "\(affinity) affinity; floating-point values (bit-exact as DOUBLE)")
        }
        if affinity == "BLOB" && blobs > 0 || declared.contains("BLOB") {
            if texts + ints + reals > 0 { warnings.append("\(where_): mixes blobs with other values; all kept as bytes") }
            return plan(indexed ? .varbinary(max(p.maxBytes, 255)) : blobType(p.maxBytes), "binary values, byte-exact")
        }
        if ints + reals > 0 && texts > 0 {
            warnings.append("\(where_): mixes text with numbers (\(ints + reals) numeric, \(texts) text); kept as text (numbers in SQLite's text form)")
        }
        let declaredLength = Self.length(declared)
        if indexed || declaredLength != nil {
            let length = declaredLength.map { max($0, p.maxChars) } ?? max(p.maxChars, 255)
            if length <= 16_383 { return plan(.varchar(length), declaredLength != nil ? "declared \(column.declaredType); longest value \(p.maxChars) characters" : "indexed text; longest value \(p.maxChars) characters") }
        }
        return plan(textType(p.maxBytes), "text; longest value \(p.maxBytes) bytes")
    }

    /// SQLite compares text with BINARY (memcmp, trailing spaces count) unless a column says NOCASE or RTRIM.
    /// MariaDB's `utf8mb4_bin` is PAD SPACE ('abc' = 'abc '), so BINARY maps to the NO PAD `utf8mb4_nopad_bin`;
    /// RTRIM (trailing spaces ignored) is exactly PAD SPACE; NOCASE folds ASCII only, and MariaDB has no such
    /// collation: `utf8mb4_unicode_nopad_ci` keeps trailing spaces significant but also folds non-ASCII case and
    /// accents, so a unique key may collide where SQLite saw different values (the run then names the rows).
    static func collation(for declared: String?) -> (String, String?) {
        switch declared {
        case "NOCASE":
            return ("utf8mb4_unicode_nopad_ci", "COLLATE NOCASE → utf8mb4_unicode_nopad_ci (folds more than ASCII: unique keys may collide, named at index creation)")
        case "RTRIM":
            return ("utf8mb4_bin", "COLLATE RTRIM → utf8mb4_bin (PAD SPACE: trailing spaces ignored in comparisons, as in SQLite)")
        default:
            return ("utf8mb4_nopad_bin", nil)
        }
    }

    func blobType(_ bytes: Int) -> TargetType { bytes <= 65_535 ? .blob("BLOB") : bytes <= 16_777_215 ? .blob("MEDIUMBLOB") : .blob("LONGBLOB") }
    func textType(_ bytes: Int) -> TargetType { bytes <= 65_535 ? .text("TEXT") : bytes <= 16_777_215 ? .text("MEDIUMTEXT") : .text("LONGTEXT") }

    static func precisionScale(_ declared: String) -> (Int, Int)? {
        guard let open = declared.firstIndex(of: "("), let close = declared.firstIndex(of: ")") else { return nil }
        let parts = declared[declared.index(after: open)..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        if parts.count == 2 { return (parts[0], parts[1]) }
        if parts.count == 1 { return (parts[0], 0) }
        return nil
    }

    static func length(_ declared: String) -> Int? {
        guard declared.contains("CHAR"), let ps = precisionScale(declared) else { return nil }
        return ps.0
    }

    func indexPlans(_ table: SourceTable, columns: [ColumnPlan], warnings: inout [String]) -> [IndexPlan] {
        var plans: [IndexPlan] = []
        for index in table.indexes where index.origin != "pk" {
            guard index.columns.allSatisfy({ $0 != nil }) else {
                warnings.append("\(table.name): expression index \(index.name) not migrated (MariaDB needs a virtual column for it); queries it served may be slower")
                continue
            }
            let names = index.columns.compactMap { $0 }
            var unique = index.unique
            var note: String?
            if index.partial {
                if unique {
                    warnings.append("\(table.name): partial unique index \(index.name) becomes a plain index: MariaDB cannot enforce uniqueness on a subset of rows")
                    unique = false
                }
                note = "partial index in SQLite; full index here"
            }
            var prefixes: [String: Int] = [:]
            var hash = false
            for name in names {
                guard let column = columns.first(where: { $0.name == name }) else { continue }
                switch column.type {
                case .text, .blob:
                    if unique { hash = true } else { prefixes[name] = Self.maxIndexedChars }
                case .varchar(let n) where n > Self.maxIndexedChars:
                    if unique { hash = true } else { prefixes[name] = Self.maxIndexedChars }
                default: break
                }
            }
            if hash {
                note = "values too long for a B-tree key: MariaDB long unique constraint (USING HASH) keeps uniqueness exact"
                warnings.append("\(table.name): unique index \(index.name) uses MariaDB's long unique (USING HASH) because its values exceed 3072 bytes")
            } else if !prefixes.isEmpty {
                note = "prefix of \(Self.maxIndexedChars) characters indexed (lookup speed only; no uniqueness involved)"
            }
            plans.append(IndexPlan(name: Self.shortName(index.name), columns: names, unique: unique, prefixLengths: prefixes, usingHash: hash, note: note))
        }
        // Every foreign key gets an index whose leading columns are the FK columns.
        for fk in table.foreignKeys {
            let covered = plans.contains { Array($0.columns.prefix(fk.columns.count)) == fk.columns }
                || Array(table.primaryKey.prefix(fk.columns.count)) == fk.columns
            if !covered {
                plans.append(IndexPlan(name: Self.shortName("ix_\(table.name)_\(fk.columns.joined(separator: "_"))"), columns: fk.columns, unique: false,
                                       prefixLengths: [:], usingHash: false, note: "added: every foreign key is indexed"))
            }
        }
        return plans
    }

    func foreignKeyPlans(_ table: SourceTable, warnings: inout [String]) throws -> [ForeignKeyPlan] {
        let orphanFKs = Set((orphans[table.name] ?? []).map(\.fk))
        return try table.foreignKeys.map { fk in
            func action(_ a: String) throws -> String {
                switch a.uppercased() {
                case "SET DEFAULT":
                    throw MigrationError("\(table.name): foreign key (\(fk.columns.joined(separator: ", "))) uses ON DELETE/UPDATE SET DEFAULT, which InnoDB does not support; change it in the plan file")
                case "": return "NO ACTION"
                default: return a.uppercased()
                }
            }
            let create = !(orphanFKs.contains(fk.id) && onOrphan == .keep)
            if !create { warnings.append("\(table.name): foreign key (\(fk.columns.joined(separator: ", "))) → \(fk.referencedTable) not created: orphaned rows kept (--on-orphan keep)") }
            let referenced = fk.referencedColumns.allSatisfy({ !$0.isEmpty }) ? fk.referencedColumns
                : (schema.table(fk.referencedTable)?.primaryKey ?? fk.referencedColumns)
            return ForeignKeyPlan(name: Self.shortName("fk_\(table.name)_\(fk.columns.joined(separator: "_"))"), columns: fk.columns, referencedTable: fk.referencedTable,
                                  referencedColumns: referenced, onDelete: try action(fk.onDelete), onUpdate: try action(fk.onUpdate), create: create)
        }
    }

    /// A foreign-key column gets exactly the type of the column it references (MySQL error 1825 otherwise).
    func unifyForeignKeyTypes(_ tables: inout [TablePlan], warnings: inout [String]) {
        for t in tables.indices {
            for fk in tables[t].foreignKeys {
                guard let parent = tables.first(where: { $0.name == fk.referencedTable }) else { continue }
                for (child, ref) in zip(fk.columns, fk.referencedColumns) {
                    guard let refColumn = parent.column(ref), let c = tables[t].columns.firstIndex(where: { $0.name == child }) else { continue }
                    if tables[t].columns[c].type != refColumn.type {
                        tables[t].columns[c].type = refColumn.type
                        tables[t].columns[c].collation = refColumn.collation
                        tables[t].columns[c].reason += "; type of the referenced \(parent.name).\(ref)"
                    }
                }
            }
        }
    }

    static func shortName(_ name: String) -> String {
        guard name.utf8.count > 64 else { return name }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return String(name.prefix(47)) + "_" + String(hash, radix: 16)
    }
}
