import Portal

/// Settings of the API layer that the executable reads from its configuration.
public struct APIConfiguration: Sendable {
    public var version: String
    public var auth: AuthSettings
    /// Test-only endpoints under /api/v1/_diagnostics (e.g. a cancellable sleep). Never in production.
    public var diagnosticsEnabled: Bool

    public init(version: String = PortalVersion.current, auth: AuthSettings = AuthSettings(), diagnosticsEnabled: Bool = false) {
        self.version = version
        self.auth = auth
        self.diagnosticsEnabled = diagnosticsEnabled
    }
}

public enum PortalVersion {
    public static let current = "0.4.0"
}
