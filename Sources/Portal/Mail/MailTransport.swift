import Foundation

/// Hands one message to the outside world. Throwing means "not delivered": safe to retry.
public protocol MailTransport: Sendable {
    func deliver(_ message: OutgoingMail) throws
}

/// A message from the outbox, ready to be rendered as RFC 5322 text.
public struct OutgoingMail: Sendable {
    public let id: Int64
    public let recipient: String
    public let subject: String
    public let body: String
    public let createdAt: Date

    public static let sender = "OCSO Espace Employeur <no-reply@ocso.fr>"

    /// Headers are built from validated addresses and an encoded subject, so no header injection.
    public var rfc5322: String {
        let subjectBase64 = Data(subject.utf8).base64EncodedString()
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let body = body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        return [
            "From: \(Self.sender)",
            "To: <\(recipient)>",
            "Subject: =?UTF-8?B?\(subjectBase64)?=",
            "Date: \(formatter.string(from: createdAt))",
            // Stable per outbox row, so a receiving system can drop a duplicate.
            "Message-ID: <outbox-\(id)@espace-employeur.ocso.fr>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: 8bit",
            "",
            body,
        ].joined(separator: "\r\n") + "\r\n"
    }
}

/// Development and tests: each message becomes `<id>.eml` in a directory, written atomically.
public struct DirectoryMailTransport: MailTransport {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public func deliver(_ message: OutgoingMail) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let final = "\(directory)/\(message.id).eml"
        let temporary = "\(directory)/.\(message.id).eml.part"
        try Data(message.rfc5322.utf8).write(to: URL(fileURLWithPath: temporary))
        // rename(2) is atomic: readers never see half a message, and a retry overwrites, never duplicates.
        guard rename(temporary, final) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: final])
        }
    }
}

/// Production: pipes the message to a sendmail-compatible command (`/usr/sbin/sendmail -t -i`).
public struct SendmailTransport: MailTransport {
    public let command: [String]

    public init(command: [String]) {
        self.command = command
    }

    public struct Failed: Error, CustomStringConvertible {
        public let status: Int32
        public var description: String { "sendmail exited with status \(status)" }
    }

    public func deliver(_ message: OutgoingMail) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data(message.rfc5322.utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failed(status: process.terminationStatus) }
    }
}
