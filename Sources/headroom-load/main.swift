import Foundation
import LoadGenerator

// The open-loop load generator. All logic lives in LoadGenerator.
exit(LoadCommand.main(Array(CommandLine.arguments.dropFirst())))
