import Foundation
import HTTPTypes
import MariaDBTestSupport
import Storefront
import Testing

/// The write gate behind `/admin/database/freeze` and `/thaw`, on a live listener: writes wait (and are not
/// failed) while frozen, reads go on, a freeze waits for the writes in flight, and the freeze is a lease.
///
/// Slow writes are MariaDB writes held up by a table lock: a MariaDB connection waits on its own thread, while
/// an SQLite write held up by another writer would occupy one of the few shared blocking-I/O threads.
@Suite(.mariaDB) struct DatabaseControlTests {
    static let routes: [(HTTPRequest.Method, String)] = [
        (.get, "/admin/database"), (.post, "/admin/database/freeze"), (.post, "/admin/database/switch"),
        (.post, "/admin/database/thaw"),
    ]

    @Test func everyControlRouteNeedsTheAdminKey() async throws {
        try await LiveShop.run(.sqlite) { shop in
            for (method, path) in Self.routes {
                let missing = try await shop.request(method, path, json: "{}")
                #expect(missing.status == 401, "\(path): \(missing.text)")
                #expect(missing.errorCode == "unauthorized")
                let wrong = try await shop.request(method, path, json: "{}", key: "not-the-key")
                #expect(wrong.status == 401, "\(path): \(wrong.text)")
            }
            #expect(try await shop.admin(.get, "/admin/database")["frozen"] as? Bool == false, "nothing was frozen")
        }
        try await LiveShop.run(.sqlite, adminKey: "") { shop in
            for (method, path) in Self.routes {
                let closed = try await shop.request(method, path, json: "{}", key: "anything")
                #expect(closed.status == 403, "\(path): \(closed.text)")
                #expect(closed.errorCode == "admin_disabled")
            }
        }
    }

    @Test func statusNamesTheDatabaseWithEveryField() async throws {
        try await LiveShop.run(.sqlite) { shop in
            let status = try await shop.admin(.get, "/admin/database")
            #expect(status.status == 200)
            guard case .sqlite(let path) = shop.services.configuration.database else { return }
            #expect(status["backend"] as? String == "sqlite")
            #expect(status["database"] as? String == path)
            #expect(status["generation"] as? Int == 0)
            #expect(status["frozen"] as? Bool == false)
            #expect(status["lease_remaining_ms"] is NSNull)
            #expect(status["last_pause_ms"] is NSNull)
            for key in ["writes_in_flight", "writes_waiting", "pauses", "lease_expiries"] {
                #expect(status[key] as? Int == 0, "\(key)")
            }
        }
    }

    @Test func aWriteDuringAFreezeWaitsAndCompletesAfterThawWhileReadsGoOn() async throws {
        // The write may wait as long as the lease lasts: giving up at the gate (`write_frozen`) is another test's
        // subject, and the default 30 s can pass on a loaded machine before the thaw below.
        try await LiveShop.run(.sqlite, configure: { $0.writeGateMaxWait = .seconds(90) }) { shop in
            // The longest lease there is: the steps below can take seconds each on a loaded machine, and the lease
            // must not run out before the thaw (expiry is another test's subject).
            let frozen = try await shop.admin(.post, "/admin/database/freeze", json: #"{"lease_ms": 60000}"#)
            #expect(frozen.status == 200, "\(frozen.text)")
            #expect(frozen["frozen"] as? Bool == true)
            #expect(frozen["writes_in_flight"] as? Int == 0)
            #expect(frozen["drained_ms"] as? Double != nil)
            #expect((1...60_000).contains(frozen["lease_remaining_ms"] as? Int ?? 0), "\(frozen.text)")

            let write = Task {
                try await shop.request(
                    .post, "/customers",
                    json: #"{"email": "w@example.com", "name": "W", "password": "Kestrel-Umber-4417"}"#)
            }
            try await shop.waitForStatus("the write to wait at the gate") { $0["writes_waiting"] as? Int == 1 }
            #expect(try await shop.request(.get, "/products").status == 200, "reads go on")
            #expect(try await shop.request(.get, "/health/ready").status == 200)
            try await Task.sleep(for: .milliseconds(150))
            #expect(try await shop.admin(.get, "/admin/database")["writes_waiting"] as? Int == 1, "still waiting")

            let thawed = try await shop.admin(.post, "/admin/database/thaw")
            #expect(thawed.status == 200, "\(thawed.text)")
            #expect(thawed["frozen"] as? Bool == false)
            #expect(thawed["lease_remaining_ms"] is NSNull)
            let paused = try #require(thawed["paused_ms"] as? Double, "\(thawed.text)")
            #expect(paused >= 150)
            #expect(thawed["last_pause_ms"] as? Double == paused)
            #expect(thawed["pauses"] as? Int == 1)
            let written = try await write.value
            #expect(written.status == 201, "the waiting write completes: \(written.text)")

            let again = try await shop.admin(.post, "/admin/database/thaw", json: "{}")
            #expect(again.status == 200)
            #expect(again["paused_ms"] as? Double == 0)
            #expect(again["pauses"] as? Int == 1, "thawing an open gate changes nothing")
            let metrics = try await shop.request(.get, "/metrics")
            #expect(metrics.text.contains("storefront_write_gate_pause_seconds_bucket"), "\(metrics.text.prefix(400))")
        }
    }

    @Test func aFreezeReturnsOnlyAfterTheWriteInFlightFinished() async throws {
        try await LiveShop.run(.mariadb) { shop in
            guard case .mariaDB(let box) = shop.services.configuration.database else { return }
            let lock = try await OutsideLock.mariaDBTable("customers", configuration: box.configuration)
            let write = Task {
                try await shop.request(
                    .post, "/customers",
                    json: #"{"email": "slow@example.com", "name": "S", "password": "Kestrel-Umber-4417"}"#)
            }
            try await shop.waitForStatus("the write to be in flight") { $0["writes_in_flight"] as? Int == 1 }
            let freeze = Task {
                try await shop.admin(
                    .post, "/admin/database/freeze",
                    json: #"{"lease_ms": 60000, "drain_timeout_ms": 60000}"#)
            }
            // Generous bounds: on a loaded machine the steps between closing the gate and releasing the lock can
            // take seconds; the point is the order of events, not their speed.
            try await shop.waitForStatus("the gate to close") { $0["frozen"] as? Bool == true }
            try await Task.sleep(for: .milliseconds(300))
            let during = try await shop.admin(.get, "/admin/database")
            #expect(during["writes_in_flight"] as? Int == 1, "the write is still running: \(during.text)")
            await lock.release()

            let written = try await write.value
            let frozen = try await freeze.value
            #expect(written.status == 201, "\(written.text)")
            #expect(frozen.status == 200, "\(frozen.text)")
            #expect(frozen["writes_in_flight"] as? Int == 0)
            #expect((frozen["drained_ms"] as? Double ?? 0) >= 300, "\(frozen.text)")
            #expect(try await shop.admin(.post, "/admin/database/thaw").status == 200)
        }
    }

    @Test func aDrainTimeoutAnswers409AndOpensTheGateAgain() async throws {
        try await LiveShop.run(.mariadb) { shop in
            guard case .mariaDB(let box) = shop.services.configuration.database else { return }
            let lock = try await OutsideLock.mariaDBTable("customers", configuration: box.configuration)
            let write = Task {
                try await shop.request(
                    .post, "/customers",
                    json: #"{"email": "slow@example.com", "name": "S", "password": "Kestrel-Umber-4417"}"#)
            }
            try await shop.waitForStatus("the write to be in flight") { $0["writes_in_flight"] as? Int == 1 }
            let refused = try await shop.admin(.post, "/admin/database/freeze", json: #"{"drain_timeout_ms": 200}"#)
            #expect(refused.status == 409, "\(refused.text)")
            #expect(refused.errorCode == "drain_timeout")
            #expect(refused.text.contains("1 write"), "\(refused.text)")
            let status = try await shop.admin(.get, "/admin/database")
            #expect(status["frozen"] as? Bool == false, "\(status.text)")
            await lock.release()
            #expect(try await write.value.status == 201)
            _ = try await shop.customer("next@example.com")
        }
    }

    @Test func anExpiredLeaseLetsWritesFlowByItself() async throws {
        try await LiveShop.run(.sqlite) { shop in
            let frozen = try await shop.admin(.post, "/admin/database/freeze", json: #"{"lease_ms": 300}"#)
            #expect(frozen.status == 200, "\(frozen.text)")
            let started = ContinuousClock.now
            let written = try await shop.request(
                .post, "/customers",
                json: #"{"email": "late@example.com", "name": "L", "password": "Kestrel-Umber-4417"}"#)
            let waited = ContinuousClock.now - started
            #expect(written.status == 201, "\(written.text)")
            #expect(waited >= .milliseconds(200), "the write waited for the lease: \(waited)")
            // Far below the client's 180 s: the lease let it through, no thaw (a loaded machine makes a sign-up slow).
            #expect(waited < .seconds(150), "\(waited)")
            let status = try await shop.admin(.get, "/admin/database")
            #expect(status["frozen"] as? Bool == false)
            #expect(status["lease_expiries"] as? Int == 1)
            #expect(status["pauses"] as? Int == 1)
            #expect((status["last_pause_ms"] as? Double ?? 0) >= 300, "\(status.text)")
            let metrics = try await shop.request(.get, "/metrics")
            #expect(metrics.text.contains("storefront_write_gate_lease_expiries_total"))
        }
    }

    @Test func anotherFreezeRenewsTheLease() async throws {
        // The renewal follows the first freeze at once and lasts far longer, so no sleep has to land inside a
        // narrow window: a loaded machine cannot make this pass or fail by accident.
        try await LiveShop.run(.sqlite) { shop in
            let first = try await shop.admin(.post, "/admin/database/freeze", json: #"{"lease_ms": 8000}"#)
            #expect(first.status == 200)
            let renewed = try await shop.admin(.post, "/admin/database/freeze", json: #"{"lease_ms": 60000}"#)
            #expect(renewed.status == 200)
            #expect((renewed["drained_ms"] as? Double ?? 99) < 50, "nothing in flight: answers at once")
            #expect((renewed["lease_remaining_ms"] as? Int ?? 0) > 30_000, "\(renewed.text)")
            try await Task.sleep(for: .milliseconds(8500))
            let status = try await shop.admin(.get, "/admin/database")
            #expect(status["frozen"] as? Bool == true, "past the first lease, held by the renewal: \(status.text)")
            #expect(status["lease_expiries"] as? Int == 0)
            let thawed = try await shop.admin(.post, "/admin/database/thaw")
            #expect((thawed["paused_ms"] as? Double ?? 0) >= 8_500, "one pause from the first freeze: \(thawed.text)")
            #expect(thawed["pauses"] as? Int == 1)
        }
    }

    @Test func aWriteWaitingLongerThanTheMaximumAnswers503WriteFrozen() async throws {
        try await LiveShop.run(.sqlite, configure: { $0.writeGateMaxWait = .milliseconds(200) }) { shop in
            // The longest lease: the write must meet the gate frozen however slowly it arrives.
            #expect(try await shop.admin(.post, "/admin/database/freeze", json: #"{"lease_ms": 60000}"#).status == 200)
            let refused = try await shop.request(
                .post, "/customers", json: #"{"email": "x@example.com", "name": "X", "password": "Kestrel-Umber-4417"}"#
            )
            #expect(refused.status == 503, "\(refused.text)")
            #expect(refused.errorCode == "write_frozen")
            #expect(refused.headers[.retryAfter] != nil)
            #expect(try await shop.admin(.get, "/admin/database")["writes_waiting"] as? Int == 0)
            #expect(try await shop.admin(.post, "/admin/database/thaw").status == 200)
            _ = try await shop.customer("x@example.com")
        }
    }

    @Test(arguments: [
        (#"{"lease_ms": 50}"#, "lease_ms"), (#"{"lease_ms": 60001}"#, "lease_ms"),
        (#"{"drain_timeout_ms": -1}"#, "drain_timeout_ms"), (#"{"lease": 1000}"#, "lease"),
        (#"{"lease_ms": "1000"}"#, "lease_ms"),
    ])
    func badFreezeBodiesAreNamed(body: String, field: String) async throws {
        try await LiveShop.run(.sqlite) { shop in
            let reply = try await shop.admin(.post, "/admin/database/freeze", json: body)
            #expect(reply.status == 400, "\(reply.text)")
            #expect(reply.errorField == field, "\(reply.text)")
            #expect(try await shop.admin(.get, "/admin/database")["frozen"] as? Bool == false)
        }
    }

    @Test func inProductionASwitchTargetWithoutTLSIsRefused() async throws {
        try await LiveShop.run(
            .sqlite, adminKey: "a-production-admin-key",
            configure: { $0.environment = .production }
        ) { shop in
            #expect(try await shop.admin(.post, "/admin/database/freeze", json: #"{"lease_ms": 60000}"#).status == 200)
            let reply = try await shop.admin(
                .post, "/admin/database/switch",
                json: #"{"url": "mysql://shop@127.0.0.1:3306/shop?sslmode=prefer"}"#)
            #expect(reply.status == 400, "\(reply.text)")
            #expect(reply.errorField == "url")
            #expect(reply.text.contains("TLS"), "\(reply.text)")
            let temporary = try await shop.admin(
                .post, "/admin/database/switch",
                json: #"{"url": "sqlite:///tmp/shop.sqlite"}"#)
            #expect(temporary.status == 400, "\(temporary.text)")
            #expect(try await shop.admin(.post, "/admin/database/thaw").status == 200)
        }
    }
}
