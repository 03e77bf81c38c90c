import Backup
import Foundation
import Testing

/// The signer against published signatures: a hand-rolled SigV4 that is off by one character in any step
/// (encoding, sorting, header folding, key derivation) produces a different hex string.
@Suite struct SigV4SignerTests {
    // The credentials, time and bucket of the examples in AWS's S3 documentation, "Authenticating Requests:
    // Using the Authorization Header (AWS Signature Version 4)" → "Examples: Signature Calculations".
    static let s3Example = SigV4Signer(
        accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        region: "us-east-1", service: "s3")
    static let may24 = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z
    static let exampleHost = ("Host", "examplebucket.s3.amazonaws.com")

    // The credentials and time of AWS's Signature Version 4 test suite (aws-sig-v4-test-suite, formerly
    // published in the AWS General Reference; kept in botocore tests/unit/auth/aws4_testsuite).
    static let suite = SigV4Signer(
        accessKey: "AKIDEXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        region: "us-east-1", service: "service")
    static let august30 = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let suiteHost = ("Host", "example.amazonaws.com")

    @Test func s3DocumentationGetObjectWithRange() {
        let signed = Self.s3Example.sign(
            method: "GET", path: "/test.txt",
            headers: [
                Self.exampleHost, ("Range", "bytes=0-9"), ("x-amz-content-sha256", SigV4Signer.emptyPayloadHash),
            ],
            payloadHash: SigV4Signer.emptyPayloadHash, date: Self.may24)
        #expect(signed.canonicalRequest == """
            GET
            /test.txt

            host:examplebucket.s3.amazonaws.com
            range:bytes=0-9
            x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            x-amz-date:20130524T000000Z

            host;range;x-amz-content-sha256;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        // The documentation's hash of that canonical request, inside its string to sign.
        #expect(signed.stringToSign == """
            AWS4-HMAC-SHA256
            20130524T000000Z
            20130524/us-east-1/s3/aws4_request
            7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
            """)
        #expect(signed.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(signed.authorization == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
            + "aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(signed.headers.contains { $0.name == "x-amz-date" && $0.value == "20130524T000000Z" })
    }

    @Test func s3DocumentationPutObjectWithEncodedKey() {
        let body = Data("Welcome to Amazon S3.".utf8)
        let hash = SigV4Signer.hexSHA256(body)
        #expect(hash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let path = SigV4Signer.canonicalPath("/test$file.text")
        #expect(path == "/test%24file.text")
        let signed = Self.s3Example.sign(
            method: "PUT", path: path,
            headers: [
                Self.exampleHost, ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                ("x-amz-storage-class", "REDUCED_REDUNDANCY"), ("x-amz-content-sha256", hash),
            ],
            payloadHash: hash, date: Self.may24)
        #expect(signed.signedHeaders == "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class")
        #expect(signed.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test func s3DocumentationGetBucketLifecycle() {
        let signed = Self.s3Example.sign(
            method: "GET", path: "/", query: [("lifecycle", "")],
            headers: [Self.exampleHost, ("x-amz-content-sha256", SigV4Signer.emptyPayloadHash)],
            payloadHash: SigV4Signer.emptyPayloadHash, date: Self.may24)
        #expect(signed.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2] == "lifecycle=")
        #expect(signed.signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    @Test func s3DocumentationListObjectsQuerySorted() {
        let signed = Self.s3Example.sign(
            method: "GET", path: "/", query: [("prefix", "J"), ("max-keys", "2")],
            headers: [Self.exampleHost, ("x-amz-content-sha256", SigV4Signer.emptyPayloadHash)],
            payloadHash: SigV4Signer.emptyPayloadHash, date: Self.may24)
        #expect(signed.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2]
            == "max-keys=2&prefix=J")
        #expect(signed.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    /// One case of the SigV4 test suite: its request and the signature of its `.authz` file.
    struct SuiteCase: Sendable, CustomTestStringConvertible {
        var name: String
        var method = "GET"
        var rawPath = "/"
        var query: [(String, String)] = []
        var headers: [(String, String)] = []
        var body = ""
        var signature: String
        var testDescription: String { name }
    }

    static let suiteCases: [SuiteCase] = [
        SuiteCase(name: "get-vanilla", signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        SuiteCase(
            name: "get-vanilla-empty-query-key", query: [("Param1", "value1")],
            signature: "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"),
        SuiteCase(
            name: "get-vanilla-query-order-key-case", query: [("Param2", "value2"), ("Param1", "value1")],
            signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        SuiteCase(
            name: "get-vanilla-query-order-key", query: [("Param1", "value2"), ("Param1", "Value1")],
            signature: "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"),
        SuiteCase(
            name: "get-vanilla-query-order-value", query: [("Param1", "value2"), ("Param1", "value1")],
            signature: "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"),
        SuiteCase(
            name: "get-vanilla-query-order-encoded",
            query: [("Param-3", "Value3"), ("Param", "Value2"), ("\u{1234}", "Value1")],
            signature: "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac"),
        SuiteCase(
            name: "get-vanilla-query-unreserved", query: [(unreserved, unreserved)],
            signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
        SuiteCase(
            name: "get-vanilla-utf8-query", query: [("\u{1234}", "bar")],
            signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
        SuiteCase(
            name: "get-unreserved", rawPath: "/" + unreserved,
            signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
        SuiteCase(
            name: "get-utf8", rawPath: "/\u{1234}",
            signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
        SuiteCase(
            name: "get-space", rawPath: "/example space/",
            signature: "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"),
        SuiteCase(
            name: "get-special-character", rawPath: "/example/$delete",
            signature: "a853c9b21b528b19643d00910d35b83a10c366a10833ceefb45edd6c80e40f27"),
        SuiteCase(
            name: "get-header-key-duplicate",
            headers: [("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1")],
            signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
        SuiteCase(
            name: "get-header-value-multiline", headers: [("My-Header1", "value1\n  value2\n     value3")],
            signature: "cfd34249e4b1c8d6b91ef74165d41a32e5fab3306300901bb65a51a73575eefd"),
        SuiteCase(
            name: "get-header-value-order",
            headers: [
                ("My-Header1", "value4"), ("My-Header1", "value1"), ("My-Header1", "value3"),
                ("My-Header1", "value2"),
            ],
            signature: "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"),
        SuiteCase(
            name: "get-header-value-trim", headers: [("My-Header1", " value1"), ("My-Header2", " \"a   b   c\"")],
            signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        SuiteCase(
            name: "post-vanilla", method: "POST",
            signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        SuiteCase(
            name: "post-vanilla-query", method: "POST", query: [("Param1", "value1")],
            signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
        SuiteCase(
            name: "post-header-key-sort", method: "POST", headers: [("My-Header1", "value1")],
            signature: "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"),
        SuiteCase(
            name: "post-header-value-case", method: "POST", headers: [("My-Header1", "VALUE1")],
            signature: "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"),
        SuiteCase(
            name: "post-x-www-form-urlencoded", method: "POST",
            headers: [("Content-Type", "application/x-www-form-urlencoded")], body: "Param1=value1",
            signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
        SuiteCase(
            name: "post-x-www-form-urlencoded-parameters", method: "POST",
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf8")], body: "Param1=value1",
            signature: "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"),
    ]
    static let unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

    @Test(arguments: suiteCases)
    func sigV4TestSuite(_ vector: SuiteCase) {
        let signed = Self.suite.sign(
            method: vector.method, path: SigV4Signer.canonicalPath(vector.rawPath), query: vector.query,
            headers: [Self.suiteHost] + vector.headers, payloadHash: SigV4Signer.hexSHA256(Data(vector.body.utf8)),
            date: Self.august30)
        #expect(signed.signature == vector.signature)
        #expect(signed.authorization.hasPrefix(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders="))
    }

    /// get-vanilla's intermediate strings, from the suite's `.creq` and `.sts` files.
    @Test func sigV4TestSuiteGetVanillaSteps() {
        let signed = Self.suite.sign(
            method: "GET", path: "/", headers: [Self.suiteHost], payloadHash: SigV4Signer.emptyPayloadHash,
            date: Self.august30)
        #expect(signed.canonicalRequest == "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            + "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(signed.stringToSign == "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            + "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63")
    }

    @Test func uriEncodingFollowsTheAWSRules() {
        #expect(SigV4Signer.uriEncode("a b+c", encodeSlash: true) == "a%20b%2Bc")
        #expect(SigV4Signer.uriEncode("a/b", encodeSlash: true) == "a%2Fb")
        #expect(SigV4Signer.uriEncode("a/b", encodeSlash: false) == "a/b")
        #expect(SigV4Signer.uriEncode("100%=*", encodeSlash: true) == "100%25%3D%2A")
        #expect(SigV4Signer.uriEncode("ключ", encodeSlash: true) == "%D0%BA%D0%BB%D1%8E%D1%87")
        #expect(SigV4Signer.canonicalPath("/bucket/backups/2026 12/a:b") == "/bucket/backups/2026%2012/a%3Ab")
        #expect(SigV4Signer.canonicalQuery([("prefix", "backups/"), ("list-type", "2"), ("continuation-token", "a+b=")])
            == "continuation-token=a%2Bb%3D&list-type=2&prefix=backups%2F")
    }

    @Test func descriptionHidesTheSecret() {
        #expect(!"\(Self.s3Example)".contains("EXAMPLEKEY"))
        #expect(!String(reflecting: Self.s3Example).contains("EXAMPLEKEY"))
    }
}
