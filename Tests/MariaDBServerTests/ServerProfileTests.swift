import MariaDBServer
import Testing

@Suite struct ServerProfileTests {
    func value(_ profile: ServerProfile, _ name: String) -> String? {
        profile.settings.first { $0.name == name }?.value
    }

    @Test func productionSizingFollowsTheMachine() {
        let big = ServerProfile.production(memoryBytes: 16 << 30, cpuCores: 8)
        #expect(value(big, "innodb_buffer_pool_size") == "11392M")  // 70%, whole 128M units
        #expect(value(big, "innodb_log_file_size") == "2848M")
        #expect(value(big, "max_connections") == "800")
        #expect(value(big, "innodb_flush_log_at_trx_commit") == "1")
        #expect(value(big, "sync_binlog") == "1")
        let small = ServerProfile.production(memoryBytes: 2 << 30, cpuCores: 2)
        #expect(value(small, "innodb_buffer_pool_size") == "1024M")  // 50% under 4 GiB
        #expect(value(small, "innodb_log_file_size") == "256M")
        #expect(value(small, "max_connections") == "200")
        let huge = ServerProfile.production(memoryBytes: 256 << 30, cpuCores: 64)
        #expect(value(huge, "innodb_log_file_size") == "4096M")
        #expect(value(huge, "max_connections") == "2000")
    }

    @Test func everySettingSaysWhyAndTheEssentialsAreOn() {
        for profile in [ServerProfile.test, .production(memoryBytes: 8 << 30, cpuCores: 4)] {
            for setting in profile.settings { #expect(!setting.reason.isEmpty, "\(setting.name)") }
            #expect(Set(profile.settings.map(\.name)).count == profile.settings.count, "no duplicates")
            #expect(value(profile, "binlog_format") == "ROW")
            #expect(value(profile, "gtid_strict_mode") == "ON")
            #expect(value(profile, "performance_schema") == "ON")
            #expect(value(profile, "slow_query_log") == "ON")
            #expect(value(profile, "innodb_flush_method") == "O_DIRECT")
            #expect(value(profile, "sql_mode")?.contains("STRICT_ALL_TABLES") == true)
        }
    }

    @Test func renderedFileHasInstanceLinesAndReasons() {
        let file = ServerConfigFile(profile: .test, baseDirectory: "/srv/db", port: 4406, serverID: 7)
        let text = file.render()
        for line in ["[mariadbd]", "port = 4406", "bind_address = 127.0.0.1", "server_id = 7", "datadir = /srv/db/data",
                     "log_bin = /srv/db/binlog/mariadb-bin", "innodb_buffer_pool_size = 128M"] {
            #expect(text.contains(line + "\n"), "\(line)")
        }
        #expect(text.contains("# row images"))
    }

    @Test func overridesReplaceTheProfilesSettingAndTheLastValueWins() {
        let overrides = [("character-set-server", "latin1"), ("collation_server", "latin1_swedish_ci"),
                         ("innodb_default_row_format", "compact"), ("character_set_server", "latin2")]
        let file = ServerConfigFile(profile: .test, baseDirectory: "/srv/db", port: 4406, serverID: 7,
                                    overrides: overrides)
        let text = file.render()
        let lines = text.split(separator: "\n").map(String.init)
        let charset = lines.filter { $0.hasPrefix("character-set-server") || $0.hasPrefix("character_set_server") }
        #expect(charset == ["character_set_server = latin2"], "one line, the last value")
        #expect(lines.filter { $0.hasPrefix("collation_server") } == ["collation_server = latin1_swedish_ci"])
        #expect(lines.last == "innodb_default_row_format = compact", "a setting the profile lacks is appended")
        #expect(text.contains("# overridden (profile: utf8mb4"))
    }

    @Test func overridesThatWouldBreakTheFileAreRefused() {
        #expect(ServerConfigFile.problem(in: [("character-set-server", "latin1"), ("sql_mode", "\"\"")]) == nil)
        #expect(ServerConfigFile.problem(in: [("max_connections", "10\n[client]")]) != nil)
        #expect(ServerConfigFile.problem(in: [("[client]", "x")]) != nil)
        #expect(ServerConfigFile.problem(in: [("", "x")]) != nil)
    }
}
