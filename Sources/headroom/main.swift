import Foundation
import HeadroomCLI

exit(HeadroomCommandLine.run(Array(CommandLine.arguments.dropFirst()), output: .standard))
