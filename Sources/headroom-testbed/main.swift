import FleetTestbed
import Foundation

// The live testbed: the fleet model behind the Kubernetes API test server and fake exporters,
// on loopback. All logic lives in FleetTestbed.
exit(await TestbedCommand.main(Array(CommandLine.arguments.dropFirst())))
