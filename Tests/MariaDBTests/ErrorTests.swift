import MariaDB
import Testing

@Suite struct ErrorTests {
    @Test func duplicateKeyDescriptionHidesTheValue() {
        let error = MariaDBError(code: .server, errno: 1062, sqlState: "23000",
                                 message: "Duplicate entry 'alice@example.com' for key 'customers_email_unique'")
        #expect(error.isDuplicateKey)
        #expect(error.isConstraintViolation)
        #expect(!error.description.contains("alice"))
        #expect(error.description.contains("customers_email_unique"))
        #expect(error.debugDescription.contains("alice"))
    }

    @Test func incorrectValueDescriptionHidesTheValue() {
        let error = MariaDBError(code: .server, errno: 1366, sqlState: "22007",
                                 message: "Incorrect integer value: 'secret-ish' for column `shop`.`t`.`qty` at row 1")
        #expect(!error.description.contains("secret-ish"))
        #expect(error.description.contains("qty"))
    }

    @Test func classification() {
        #expect(MariaDBError(code: .server, errno: 1213, message: "").isDeadlock)
        #expect(MariaDBError(code: .server, errno: 1213, message: "").isRetryableTransactionFailure)
        #expect(MariaDBError(code: .server, errno: 1205, message: "").isLockWaitTimeout)
        #expect(MariaDBError(code: .connectionLost, errno: 2013, message: "").isConnectionLost)
        #expect(MariaDBError(code: .server, errno: 2006, message: "").isConnectionLost)
        #expect(MariaDBError(code: .accessDenied, errno: 1045, message: "").isAccessDenied)
        #expect(MariaDBError(code: .server, errno: 1290, message: "").isReadOnly)
        #expect(MariaDBError(code: .server, errno: 1049, message: "").isUnknownDatabase)
        #expect(!MariaDBError(code: .server, errno: 1064, message: "").isRetryableTransactionFailure)
    }
}
