@testable import Backup
import Foundation
import Testing

/// The pure parts: key rules, sftp's batch quoting and output, S3's error answers, error descriptions.
@Suite struct LocationParsingTests {
    @Test func keyRules() {
        let valid = ["a", "backups/20261202T0100Z-full/data.mbs.sealed", ".probe/host-1", "a b/c+d=e$f", "x.partial.y"]
        for valid in valid {
            #expect(LocationKey.problem(with: valid) == nil, "\(valid)")
        }
        for invalid in ["", "/a", "a/", "a//b", "./a", "a/..", "..", "a\"b", "a\\b", "a\tb", "a\u{7F}", "b.partial",
            String(repeating: "k", count: 1025)] {
            #expect(LocationKey.problem(with: invalid) != nil, "\(invalid)")
        }
        #expect(LocationKey.problem(withPrefix: "") == nil)
        #expect(LocationKey.problem(withPrefix: "backups/") == nil)
        #expect(LocationKey.problem(withPrefix: "backups/2026") == nil)
        #expect(LocationKey.problem(withPrefix: "../") != nil)
        #expect(LocationKey.problem(withPrefix: "/") != nil)
    }

    @Test func batchQuotingAndEcho() {
        var batch = SFTPBatch()
        batch.add("mkdir", "/srv/backups", mayFail: true)
        batch.add("put", "/tmp/a b", "/srv/backups/x*y [1].partial")
        batch.add("ls -lna", "/srv/backups/x*y [1]")
        #expect(batch.text == """
            -mkdir "/srv/backups"
            put "/tmp/a b" "/srv/backups/x*y [1].partial"
            ls -lna "/srv/backups/x*y [1]"

            """)
        let echo = "sftp> -mkdir \"/srv/backups\"\nsftp> put \"/tmp/a b\" \"/srv/backups/x*y [1].partial\"\n"
        #expect(batch.lastStarted(in: echo) == batch.lines[1])
        #expect(SFTPBatch.problem(with: "/srv/ok path") == nil)
        #expect(SFTPBatch.problem(with: "/srv/\"quoted\"") != nil)
        #expect(SFTPBatch.problem(with: "/srv/new\nline") != nil)
    }

    @Test func longListingLines() throws {
        let now = try #require(ISO8601DateFormatter().date(from: "2026-12-02T17:00:00Z"))
        let output = """
            sftp> -ls -lna "/srv/backups"
            drwxr-xr-x    ? 0        0            4096 Dec  2 16:57 /srv/backups/backups
            -rw-------    ? 1000     1000     12582915 Jul  5 03:01 /srv/backups/old file.sealed
            -rw-r--r--    1 root     root            2 Mar 14  2025 /srv/backups/ancient
            lrwxrwxrwx    ? 0        0              10 Dec  1 10:00 /srv/backups/link
            Can't ls: "/srv/backups/missing" not found
            """
        let entries = SFTPListing.entries(in: output, now: now)
        #expect(entries.map(\.path) == [
            "/srv/backups/backups", "/srv/backups/old file.sealed", "/srv/backups/ancient", "/srv/backups/link",
        ])
        #expect(entries[0].isDirectory && !entries[0].isFile)
        #expect(entries[1].isFile && entries[1].size == 12_582_915)
        #expect(!entries[3].isFile && !entries[3].isDirectory)
        let formatter = ISO8601DateFormatter()
        #expect(entries[0].modified == formatter.date(from: "2026-12-02T16:57:00Z"))
        #expect(entries[1].modified == formatter.date(from: "2026-07-05T03:01:00Z"))
        // A time without a year is less than half a year old, or in the future (a clock ahead of ours).
        #expect(SFTPListing.entry(from: "-rw-------    ? 0 0 1 Jan  5 03:01 /x", now: now)?.modified
            == formatter.date(from: "2027-01-05T03:01:00Z"))
        #expect(entries[2].modified == formatter.date(from: "2025-03-14T00:00:00Z"))
        let january = try #require(formatter.date(from: "2027-01-02T00:00:00Z"))
        #expect(SFTPListing.entry(from: "-rw-------    ? 0 0 1 Dec 31 23:59 /x", now: january)?.modified
            == formatter.date(from: "2026-12-31T23:59:00Z"))
    }

    @Test func diskFreeOutput() {
        let output = """
            sftp> -df "/srv/backups"
                    Size         Used        Avail       (root)    %Capacity
               264212084     17561520     81504092    246650564           6%
            sftp> -df "."
                    Size         Used        Avail       (root)    %Capacity
                     100           50           50           50          50%
            """
        let space = SFTPListing.diskFree(in: output)
        #expect(space?.free == 81_504_092 * 1024)
        #expect(space?.total == 264_212_084 * 1024)
        #expect(SFTPListing.diskFree(in: "sftp> -df \"/x\"\n") == nil)
    }

    @Test func sftpFailuresAreClassified() {
        let location = SFTPLocation(
            name: "offsite", host: "backup.example", port: 2222, user: "backup", identityFile: "/keys/id",
            knownHostsFile: "/keys/known_hosts", path: "/srv/backups")
        func classify(_ stderr: String, status: Int32 = 255) -> LocationError {
            location.failure(
                ProcessOutput(status: status, standardOutput: "", standardError: stderr, timedOut: false),
                key: "k", during: "upload")
        }
        #expect(classify("ssh: connect to host backup.example port 2222: Connection refused\nConnection closed\n")
            .code == .unreachable)
        #expect(classify("Connection timed out during banner exchange\n").code == .unreachable)
        #expect(classify("ssh: Could not resolve hostname backup.example: Name or service not known\n").code
            == .unreachable)
        #expect(classify("backup@backup.example: Permission denied (publickey).\n").code == .denied)
        let changed = classify("""
            @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
            @    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
            Host key for [backup.example]:2222 has changed and you have requested strict checking.
            Host key verification failed.
            Connection closed
            """)
        #expect(changed.code == .hostKeyMismatch)
        #expect(changed.message.contains("Host key for [backup.example]:2222 has changed"))
        #expect(changed.description.hasPrefix("sftp location 'offsite' (backup@backup.example:2222, /srv/backups)"))
        #expect(classify("File \"/srv/backups/k\" not found.\n", status: 1).code == .notFound)
        #expect(classify("remote open(\"/srv/backups/k\"): Permission denied\n", status: 1).code == .denied)
        #expect(classify("", status: 1).code == .protocolError)
        let slow = location.failure(
            ProcessOutput(status: 143, standardOutput: "", standardError: "", timedOut: true), key: nil, during: "list")
        #expect(slow.code == .timeout)
    }

    @Test func s3ErrorAnswersAreMapped() throws {
        let location = S3Location(
            name: "cloud", endpoint: try #require(URL(string: "http://127.0.0.1:9000")), bucket: "backups",
            region: "us-east-1", accessKeyFile: "/keys/access", secretKeyFile: "/keys/secret", prefix: "storefront",
            httpClient: .shared)
        func answer(_ status: Int, _ body: String) -> LocationError {
            location.answerFailure(.init(statusCode: status), body: Data(body.utf8), key: "a/b")
        }
        let missing = answer(404, "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>"
            + "<Key>storefront/a/b</Key></Error>")
        #expect(missing.code == .notFound)
        #expect(missing.description == "s3 location 'cloud' (http://127.0.0.1:9000, bucket backups/storefront/), "
            + "key 'a/b': not_found: NoSuchKey: The specified key does not exist.")
        let bucket = answer(404, "<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code><Message>x</Message></Error>")
        #expect(bucket.code == .invalidConfiguration)
        #expect(bucket.message.contains("'backups' does not exist"))
        #expect(answer(403, "<Error><Code>AccessDenied</Code><Message>no</Message></Error>").code == .denied)
        #expect(answer(400, "<Error><Code>BadDigest</Code><Message>no</Message></Error>").code == .integrity)
        #expect(answer(503, "<Error><Code>SlowDown</Code><Message>later</Message></Error>").code == .unreachable)
        #expect(answer(404, "").code == .notFound)
        #expect(answer(403, "").code == .denied)
        #expect(answer(418, "not xml").code == .protocolError)
        #expect(S3Location.isRetryable(.serviceUnavailable, answer(503, "")))
        #expect(!S3Location.isRetryable(.forbidden, answer(403, "")))
    }

    @Test func s3RequestShape() throws {
        let location = S3Location(
            name: "cloud", endpoint: try #require(URL(string: "https://s3.example.com:8443/base/")), bucket: "backups",
            region: "eu-central-1", accessKeyFile: "/k", secretKeyFile: "/s", httpClient: .shared)
        #expect(location.hostHeader == "s3.example.com:8443")
        #expect(location.requestPath("a b/c$d") == "/base/backups/a%20b/c%24d")
        #expect(location.requestPath(nil) == "/base/backups")
        #expect(location.partSize(for: 12 << 20) == 16 << 20)
        #expect(location.partSize(for: 1 << 40) == (1 << 40) / 10_000 + 1)
        #expect(S3Location.parseDate("2026-12-02T16:53:00.000Z")
            == ISO8601DateFormatter().date(from: "2026-12-02T16:53:00Z"))
    }

    @Test func errorDescriptionsNameThePlace() {
        let error = LocationError(
            .notFound, location: "local", kind: "posix", key: "backups/x", path: "/var/backups",
            message: "no such object")
        #expect(error.description
            == "posix location 'local' (/var/backups), key 'backups/x': not_found: no such object")
    }

    @Test func retryDelaysGrowAndStayBounded() {
        let policy = RetryPolicy(attempts: 5, initialDelay: 0.4, maximumDelay: 2)
        for attempt in 1...6 {
            let delay = policy.delay(after: attempt)
            let ceiling = min(2, 0.4 * pow(2, Double(attempt - 1)))
            #expect(delay >= ceiling / 2 && delay <= ceiling)
        }
        #expect(RetryPolicy(attempts: 0, initialDelay: 1, maximumDelay: 1).attempts == 1)
    }
}
