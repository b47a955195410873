import FleetApp
import Foundation

// The fleet app: a Directus-like item API on PostgreSQL. All logic lives in FleetApp.
exit(
    FleetAppCommand.main(
        arguments: Array(CommandLine.arguments.dropFirst()),
        environment: ProcessInfo.processInfo.environment
    )
)
