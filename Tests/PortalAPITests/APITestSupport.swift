import Foundation
import Logging
import Postgres
import PortalAPI
import TestSupport

/// Calls the application the way the responder does, with a real database connection.
struct APIClient {
    let application: PortalApplication
    let database: PostgresConnection

    init(configuration: APIConfiguration = APIConfiguration()) throws {
        application = PortalApplication(configuration: configuration)
        database = try TestCluster.connect(as: "portal_app")
    }

    init(application: PortalApplication, database: PostgresConnection) {
        self.application = application
        self.database = database
    }

    func send(_ method: String, _ target: String, body: [UInt8] = [], headers: [String: String] = [:]) throws -> APIResponse {
        let parts = target.split(separator: "?", maxSplits: 1)
        let query = parts.count == 2 ? try APIRequest.parseQuery(String(parts[1])) : [:]
        let request = APIRequest(method: method, path: String(parts[0]), query: query, headers: headers, body: body, requestID: "test")
        return application.handle(request, database: database, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }
}

extension APIResponse {
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }
}
