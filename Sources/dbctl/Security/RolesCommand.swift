import ArgumentParser
import DatabaseSecurity
import DbctlConfig
import Foundation
import MariaDB

/// `dbctl security roles plan|apply`: one role per job, accounts that hold them.
struct RolesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roles", abstract: "Least-privilege roles per job and their accounts (security.roles).",
        subcommands: [RolesPlanCommand.self, RolesApplyCommand.self])

    /// The section, the administrator's connection (server.url) and the plan.
    static func plan(_ options: ConfigOptions, verb: String) async throws -> (RolesPlanner, RolesPlan) {
        let configuration = try options.load()
        guard let section = configuration.security?.roles else {
            throw ConfigurationError(
                .missingKey, file: configuration.file, key: "security.roles", "\(verb) needs a security.roles section")
        }
        let admin = try configuration.requireServer(for: verb).adminConfiguration()
        let planner = RolesPlanner(section: section, admin: admin)
        return (planner, try await planner.plan())
    }

    static func show(_ plan: RolesPlan, _ planner: RolesPlanner) {
        for entry in RoleCatalog.entries(schema: planner.section.schema) {
            print("role \(planner.roleName(entry.job)): \(entry.purpose)")
        }
        for line in plan.unchanged { print("✓ " + line) }
        for finding in plan.findings { print("! " + finding.description) }
        if plan.isEmpty {
            print("nothing to change: the server has the configured roles and accounts")
        } else {
            print("statements (\(plan.steps.count)):")
            for step in plan.steps { print("  \(step.shown);" + (step.note.map { "   -- " + $0 } ?? "")) }
        }
    }
}

struct RolesPlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Print the statements that would make the server match security.roles.")
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let (planner, plan) = try await RolesCommand.plan(options, verb: "security roles plan")
        RolesCommand.show(plan, planner)
    }
}

struct RolesApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Create the roles and accounts of security.roles (dry run without --execute).",
        discussion: """
            Idempotent: what already matches is left as it is, and a second run has nothing to do. Privileges \
            and roles that the configuration does not name are reported, never revoked.
            """)
    @OptionGroup var options: ConfigOptions
    @Flag(help: "Run the statements (without it: the plan only).") var execute = false

    func run() async throws {
        let (planner, plan) = try await RolesCommand.plan(options, verb: "security roles apply")
        RolesCommand.show(plan, planner)
        guard !plan.isEmpty else { return }
        guard execute else {
            print("dry run: nothing changed; add --execute to run the statements")
            return
        }
        try await RolesApplier(admin: planner.admin).apply(plan) { print("  · " + $0) }
        print("applied \(plan.steps.count) statements")
    }
}
