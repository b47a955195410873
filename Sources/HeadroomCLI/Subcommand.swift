/// A `headroom` subcommand. Adding a command means adding a conformer and listing it in
/// `HeadroomCommandLine.subcommands`.
protocol Subcommand: Sendable {
    /// The word that selects the command, such as `check`.
    static var name: String { get }
    /// One line for the command list in `headroom --help`.
    static var summary: String { get }
    /// The full text `headroom <name> --help` prints.
    static var help: String { get }
    /// Runs the command with the arguments after its name.
    static func run(_ arguments: [String], output: CommandOutput) async -> ExitCode
}
