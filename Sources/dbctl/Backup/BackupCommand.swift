import ArgumentParser

/// `dbctl backup …`: encrypted physical backups in several locations, binlog archiving, verification,
/// restore to a point in time, drills, retention and key rotation.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Encrypted hot backups, binlog archiving, verification, point-in-time restore, drills, retention.",
        subcommands: [
            BackupFullCommand.self, BackupIncrementalCommand.self, BackupBinlogsCommand.self,
            BackupListCommand.self, BackupVerifyCommand.self, BackupRestoreCommand.self, BackupDrillCommand.self,
            BackupExpireCommand.self, BackupKeysCommand.self, BackupAccountCommand.self,
        ])
}
