import Testing

@testable import RealStack

@Suite struct HAProxyStatTests {
    /// A `show stat` reply cut to its first columns, in HAProxy 2.6's column order.
    static let reply = """
        # pxname,svname,qcur,qmax,scur,smax,slim,stot,status,
        fleet-in,FRONTEND,,,3,5,100,9,OPEN,
        fleet,a,2,4,1,1,1,7,UP,
        fleet,b,0,0,0,1,1,2,MAINT,
        fleet,BACKEND,2,4,1,2,10,9,UP,

        """

    @Test func rowsKeyedByHeader() throws {
        let rows = try HAProxyRuntime.parseStat(Self.reply)
        #expect(rows.map(\.service) == ["FRONTEND", "a", "b", "BACKEND"])
        #expect(rows[1].integer("qcur") == 2)
        #expect(rows[1].integer("scur") == 1)
        #expect(rows[2].fields["status"] == "MAINT")
        // An empty column (qcur of a frontend) reads as 0.
        #expect(rows[0].integer("qcur") == 0)
        #expect(rows[0].integer("scur") == 3)
    }

    @Test func replyWithoutHeaderRejected() {
        #expect(throws: RealStackError.self) { try HAProxyRuntime.parseStat("Unknown command.\n") }
    }
}
