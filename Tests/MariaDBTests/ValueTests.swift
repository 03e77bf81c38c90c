import Foundation
import MariaDB
import Testing

@Suite struct ValueTests {
    @Test func decimalsAreExactAndCanonical() throws {
        #expect(MariaDBDecimal("0012.500")?.text == "12.500")
        #expect(MariaDBDecimal("-0.00")?.text == "0.00")
        #expect(MariaDBDecimal(".5")?.text == "0.5")
        #expect(MariaDBDecimal("+7")?.text == "7")
        for bad in ["", "1e5", "NaN", "1.2.3", " 1", "12a", "-"] { #expect(MariaDBDecimal(bad) == nil, "\(bad)") }
        let big = "12345678901234567890123456789012345.123456789012345678901234567890"
        #expect(MariaDBDecimal(big)?.text == big)  // 65 digits
        #expect(MariaDBDecimal(big + "1") == nil)  // 66 digits
        #expect(MariaDBDecimal("1.50") == MariaDBDecimal("1.5"))
        #expect(Set([MariaDBDecimal("1.50")!, MariaDBDecimal("1.5")!]).count == 1)
        #expect(MariaDBDecimal("-2")! < MariaDBDecimal("-1.99")!)
        #expect(MariaDBDecimal("10.01")! > MariaDBDecimal("9.999")!)
        #expect(MariaDBDecimal(big)?.foundationDecimal == nil)  // > 38 digits: refuse rather than round
        #expect(MariaDBDecimal("19.99")?.foundationDecimal == Decimal(string: "19.99"))
    }

    @Test func datetimesKeepMicroseconds() throws {
        let parsed = try #require(MariaDBDateTime(parsing: "2026-11-25 13:14:15.000123"))
        #expect(parsed.microsecond == 123)
        #expect(parsed.description == "2026-11-25 13:14:15.000123")
        #expect(MariaDBDateTime(parsing: "2026-11-25T13:14:15.5")?.microsecond == 500_000)
        #expect(MariaDBDateTime(parsing: "2026-11-25")?.hour == 0)
        #expect(MariaDBDateTime(parsing: "2026-11-25 13:14") == nil)
        #expect(MariaDBDateTime(parsing: "25/11/2026") == nil)
        let date = Date(timeIntervalSince1970: 1_764_076_455.123456)
        let value = MariaDBDateTime(date)
        #expect(value.description == "2025-11-25 13:14:15.123456")
        #expect(abs(value.date!.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.000001)
        let before1970 = MariaDBDateTime(Date(timeIntervalSince1970: -1.5))
        #expect(before1970.description == "1969-12-31 23:59:58.500000")
        #expect(MariaDBTime(parsing: "-838:59:59.5")?.description == "-838:59:59.500000")
    }

    @Test func interpolationBindsValuesAndQuotesIdentifiers() {
        let name = "x'); DROP TABLE users; --"
        let table = "odd`name"
        let query: MariaDBQuery = "SELECT * FROM \(identifier: table) WHERE name = \(name) AND id IN (\(list: [1, 2, 3]))"
        #expect(query.sql == "SELECT * FROM `odd``name` WHERE name = ? AND id IN (?, ?, ?)")
        #expect(query.binds == [.string(name), .int(1), .int(2), .int(3)])
        #expect(!query.description.contains("DROP"))
    }

    @Test func loadDataFormatEscapesEverythingLoadDataInterprets() {
        var out: [UInt8] = []
        LoadDataFormat.appendRow([.string("a\tb\nc\\d\r"), .null, .bytes([0, 0x1A, 0xFF]), .decimal(MariaDBDecimal("-1.50")!)], to: &out)
        let expected: [UInt8] = Array("a\\tb\\nc\\\\d\\r".utf8) + [0x09] + Array("\\N".utf8) + [0x09]
            + [0x5C, 0x30, 0x5C, 0x5A, 0xFF] + [0x09] + Array("-1.50".utf8) + [0x0A]
        #expect(out == expected)
    }

    @Test func rowDecodingErrorsNameColumnNotValue() throws {
        let columns = try MariaDBColumnsFixture.make(["email", "qty"])
        let row = MariaDBRow(columns: columns, values: [.string("alice@example.com"), .int(300)])
        let error = try #require(throws: MariaDBError.self) { _ = try row.decode("qty", as: Int8.self) }
        #expect(error.description.contains("'qty'"))
        #expect(!error.description.contains("300"))
        let emailError = try #require(throws: MariaDBError.self) { _ = try row.decode("email", as: Int.self) }
        #expect(!emailError.description.contains("alice"))
        #expect(try row.decode("qty", as: Int.self) == 300)
        #expect(throws: MariaDBError.self) { _ = try row.decode("missing", as: Int.self) }
    }

    @Test func conversionsRefuseLoss() {
        #expect(Int8(mariaDBValue: .int(128)) == nil)
        #expect(UInt64(mariaDBValue: .int(-1)) == nil)
        #expect(Int64(mariaDBValue: .uint(UInt64.max)) == nil)
        #expect(Bool(mariaDBValue: .int(2)) == nil)
        #expect(Int(mariaDBValue: .decimal(MariaDBDecimal("1.5")!)) == nil)
        #expect(Int(mariaDBValue: .double(1.5)) == nil)
        #expect(Int?(mariaDBValue: .null) == .some(nil))
        #expect(Int(mariaDBValue: .null) == nil)
    }
}
