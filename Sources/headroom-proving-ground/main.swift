import Foundation
import ProvingGround

exit(await ProvingGroundCommand.main(Array(CommandLine.arguments.dropFirst())))
