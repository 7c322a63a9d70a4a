import Foundation
import Logging
@testable import Portal
import Testing

@Suite struct JSONLogHandlerTests {
    func parse(_ line: String) throws -> [String: Any] {
        #expect(line.hasSuffix("}\n"))
        #expect(line.filter { $0 == "\n" }.count == 1)
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func writesOneValidJSONObjectWithTypedValues() throws {
        let line = JSONLogHandler.line(timestamp: "2026-01-01T00:00:00.000Z", level: .info, label: "test",
                                       message: "multi\nline \"quoted\" \u{1}", metadata: [
                                           "status": .stringConvertible(200), "duration_ms": .stringConvertible(1.5),
                                           "route": .string("/readyz"), "nested": .dictionary(["a": .array([.string("x")])]),
                                       ])
        let object = try parse(line)
        #expect(object["msg"] as? String == "multi\nline \"quoted\" \u{1}")
        #expect(object["status"] as? Int == 200)
        #expect(object["duration_ms"] as? Double == 1.5)
        #expect(object["route"] as? String == "/readyz")
        #expect(object["level"] as? String == "info")
    }

    @Test func redactsValuesUnderSecretSoundingKeys() throws {
        let line = JSONLogHandler.line(timestamp: "t", level: .warning, label: "test", message: "m", metadata: [
            "password": .string("hunter2!"), "session_token": .string("abc"), "nir": .string("185057512345678"),
            "details": .dictionary(["security_code": .string("DEMO-2026-OCSO")]), "user_id": .stringConvertible(7),
        ])
        for secret in ["hunter2!", "abc\"", "185057512345678", "DEMO-2026-OCSO"] {
            #expect(!line.contains(secret))
        }
        let object = try parse(line)
        #expect(object["password"] as? String == "[redacted]")
        #expect(object["user_id"] as? Int == 7)
    }

    @Test func sensitiveKeysAreFoundWhateverTheirCase() {
        for key in ["Session_TOKEN", "X-Authorization", "userPassword", "nir", "NIR_HASH", "SECURITY_CODE", "cookie",
                    "to\u{212A}en", "Sécurité_token"] {
            #expect(JSONLogHandler.isSensitive(key), "\(key)")
        }
        for key in ["user_id", "route", "status", "duration_ms", "structure_id", "niveau", "sécurité", ""] {
            #expect(!JSONLogHandler.isSensitive(key), "\(key)")
        }
    }

    @Test func timestampsAreUTCWithMilliseconds() throws {
        let stamp = JSONLogHandler.timestamp()
        #expect(stamp.wholeMatch(of: /20\d\d-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-6]\d\.\d{3}Z/) != nil, "\(stamp)")
        let parsed = try #require(ISO8601DateFormatter.withFractionalSeconds.date(from: stamp))
        #expect(abs(parsed.timeIntervalSinceNow) < 60)
    }

    @Test func valuesNeedingNoEscapeAreQuotedAsIs() throws {
        for text in ["", "plain", "Éloïse / 553,80 €", "a\"b", "back\\slash", "tab\t", "\u{1F}"] {
            let object = try parse(JSONLogHandler.line(timestamp: "t", level: .info, label: "l", message: text, metadata: [:]))
            #expect(object["msg"] as? String == text)
        }
    }
}

extension ISO8601DateFormatter {
    static var withFractionalSeconds: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}

@Suite struct ConfigurationSourceTests {
    func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "config-" + UUID().uuidString
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func environmentOverridesTheFile() throws {
        let path = try file("# comment\nAPP_WORKERS = 8\n\nAPP_NAME=from-file\n")
        let source = try ConfigurationSource.load(environment: ["APP_WORKERS": "2", "OTHER": "x"], file: path,
                                                  prefix: "APP_", knownKeys: ["APP_WORKERS", "APP_NAME"])
        #expect(try source.integer("APP_WORKERS", default: 4, range: 1...16) == 2)
        #expect(source.string("APP_NAME") == "from-file")
    }

    @Test func refusesUnknownKeysInTheFile() throws {
        let path = try file("APP_WORKRES=8\n")
        #expect(throws: ConfigurationSource.Invalid.self) {
            try ConfigurationSource.load(environment: [:], file: path, prefix: "APP_", knownKeys: ["APP_WORKERS"])
        }
    }

    @Test func namesTheKeyOfAnInvalidValue() throws {
        let source = ConfigurationSource(values: ["APP_WORKERS": "many", "APP_DEBUG": "maybe", "APP_TIMEOUT": "-1"])
        #expect(throws: ConfigurationSource.Invalid(key: "APP_WORKERS", reason: "expected a whole number in 1...16, got \"many\"")) {
            try source.integer("APP_WORKERS", default: 4, range: 1...16)
        }
        #expect(throws: ConfigurationSource.Invalid.self) { try source.flag("APP_DEBUG", default: false) }
        #expect(throws: ConfigurationSource.Invalid.self) { try source.seconds("APP_TIMEOUT", default: 1, range: 0.1...10) }
        #expect(try source.integer("APP_ABSENT", default: 4, range: 1...16) == 4)
    }
}
