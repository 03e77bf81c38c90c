import Backup
import Testing

@Suite struct GTIDPositionTests {
    @Test func parsesListsAndKeepsTheHighestSequencePerDomain() throws {
        let position = try #require(GTIDPosition("0-1-42, 1-2-7,0-3-40"))
        #expect(position.sequence(inDomain: 0) == 42)
        #expect(position.sequence(inDomain: 1) == 7)
        #expect(position.sequence(inDomain: 2) == nil)
        #expect(position.description == "0-1-42,1-2-7")
        #expect(GTIDPosition("")?.isEmpty == true)
        for bad in ["0-1", "a-1-2", "0-1-2-3", "0-1-", "-1-2", "0-1-2,x"] { #expect(GTIDPosition(bad) == nil,
            "\(bad)") }
    }

    @Test func comparesPerDomainBySequenceNotAsText() throws {
        let position = try #require(GTIDPosition("0-1-100,1-2-7"))
        #expect(position.includes(try #require(GTIDPosition("0-1-99"))))
        #expect(position.includes(try #require(GTIDPosition("0-1-100"))))
        #expect(!position.includes(try #require(GTIDPosition("0-1-101"))))
        // "0-1-9" sorts after "0-1-100" as text; by sequence it is well inside.
        #expect(position.includes(try #require(GTIDPosition("0-1-9"))))
        // Another server in the same domain: the sequence decides.
        #expect(position.includes(try #require(GTIDPosition("0-5-50"))))
        #expect(position.includes(try #require(GTIDPosition("0-1-100,1-2-7"))))
        #expect(!position.includes(try #require(GTIDPosition("0-1-50,1-2-8"))))
        // A domain the position has never seen is not included.
        #expect(!position.includes(try #require(GTIDPosition("2-1-1"))))
        #expect(position.includes(try #require(GTIDPosition(""))))
    }
}
