import Foundation
import HeadroomCLI

exit(await HeadroomCommandLine.run(Array(CommandLine.arguments.dropFirst()), output: .standard))
