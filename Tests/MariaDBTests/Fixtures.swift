import MariaDB

enum MariaDBColumnsFixture {
    static func make(_ names: [String]) throws -> MariaDBColumns {
        MariaDBColumns(names.map { MariaDBColumn(name: $0, table: "t", type: 253, flags: 0, charsetNumber: 45, length: 255, decimals: 0) })
    }
}
