import Foundation
import Testing
@testable import PortalAPI

@Suite struct SessionCookieTests {
    func request(cookie: String?) -> APIRequest {
        APIRequest(method: "GET", path: "/", headers: cookie.map { ["cookie": $0] } ?? [:])
    }

    @Test(arguments: [("__Host-ee_session=abc", "abc"), (" __Host-ee_session = abc ", "abc"), ("a=1; __Host-ee_session=x-y_z; b=2", "x-y_z"),
                      ("\t__Host-ee_session=\tv\t", "v"), ("__Host-ee_session=a=b", "a=b")])
    func findsTheSessionAmongTheCookies(header: String, value: String) {
        #expect(SessionCookie.value(in: request(cookie: header)) == value)
    }

    @Test(arguments: ["", "other=1", "__Host-ee_sessionX=1", "__host-ee_session=1", "__Host-ee_session", "__Host-ee_session="])
    func findsNothingElse(header: String) {
        #expect(SessionCookie.value(in: request(cookie: header)) == nil)
    }

    @Test func trimsLikeFoundation() {
        for text in ["", " ", "\t\t", " a ", "a b", "\u{A0}a\u{A0}", "\u{2003}é\u{2003}", "\na\n", " \u{A0} x \u{A0} "] {
            #expect(SessionCookie.trimmed(Substring(text)) == text.trimmingCharacters(in: .whitespaces), "\(Array(text.unicodeScalars))")
        }
    }
}
