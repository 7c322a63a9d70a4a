import Foundation

/// A file-system step of the worker that failed (spool directory, report, move), said plainly for
/// operators: what could not be done, on which path, and the system's reason ("No space left on
/// device", "Permission denied", "Read-only file system").
public struct FileSystemFailure: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ what: String, path: String, errno code: Int32) {
        self.init(what, path: path, reason: String(cString: strerror(code)))
    }

    /// Foundation wraps the POSIX error of a failed write or listing; its errno is the reason.
    init(_ what: String, path: String, error: Error) {
        // On Linux the underlying error is a Swift Error, not castable to NSError directly.
        let underlying = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? Error).map { $0 as NSError }
        if let underlying, underlying.domain == NSPOSIXErrorDomain {
            self.init(what, path: path, errno: Int32(underlying.code))
        } else {
            self.init(what, path: path, reason: error.localizedDescription)
        }
    }

    private init(_ what: String, path: String, reason: String) {
        description = "\(what) \(path): \(reason)"
    }
}
