import Foundation
import Postgres

/// A request as listed ("Mes dernières démarches", the back-office queue).
public struct RequestSummary: Sendable, Encodable {
    public let id: Int64
    public let structureID: Int64
    public let category: RequestCategory
    /// The team it was routed to when it was sent.
    public let team: OCSOTeam
    public let subject: String
    public let status: RequestStatus
    public let createdAt: Date
    public let updatedAt: Date
    public let statusChangedAt: Date
    public let createdByName: String
    public let attachmentCount: Int
    public let replyCount: Int
    /// The structure's name and client number, for the back-office only.
    public let structure: StructureReference?

    public struct StructureReference: Sendable, Encodable {
        public let id: Int64
        public let name: String
        public let clientNumber: String

        enum CodingKeys: String, CodingKey {
            case id, name
            case clientNumber = "client_number"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, category, subject, status, structure, team, group
        case structureID = "structure_id"
        case categoryLabel = "category_label"
        case groupLabel = "group_label"
        case teamLabel = "team_label"
        case statusLabel = "status_label"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case statusChangedAt = "status_changed_at"
        case createdByName = "created_by_name"
        case attachmentCount = "attachment_count"
        case replyCount = "reply_count"
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(structureID, forKey: .structureID)
        try container.encode(category, forKey: .category)
        try container.encode(category.label, forKey: .categoryLabel)
        try container.encode(category.group, forKey: .group)
        try container.encode(category.group.label, forKey: .groupLabel)
        try container.encode(team, forKey: .team)
        try container.encode(team.label, forKey: .teamLabel)
        try container.encode(subject, forKey: .subject)
        try container.encode(status, forKey: .status)
        try container.encode(status.label, forKey: .statusLabel)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(statusChangedAt, forKey: .statusChangedAt)
        try container.encode(createdByName, forKey: .createdByName)
        try container.encode(attachmentCount, forKey: .attachmentCount)
        try container.encode(replyCount, forKey: .replyCount)
        try container.encodeIfPresent(structure, forKey: .structure)
    }
}

/// A request with its message, files and history (status changes and replies, oldest first).
public struct RequestDetail: Sendable, Encodable {
    public let summary: RequestSummary
    public let message: String?
    /// The files sent with the request.
    public let attachments: [AttachmentSummary]
    public let events: [RequestEventView]
    /// Who sent it and where replies are mailed, for the back-office only.
    public let requester: Requester?

    public struct Requester: Sendable, Encodable {
        public let id: Int64
        public let name: String
        public let email: String
    }

    enum CodingKeys: String, CodingKey {
        case message, attachments, events, requester
    }

    public func encode(to encoder: Encoder) throws {
        try summary.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(message, forKey: .message)
        try container.encode(attachments, forKey: .attachments)
        try container.encode(events, forKey: .events)
        try container.encodeIfPresent(requester, forKey: .requester)
    }
}

/// A stored file, without its content.
public struct AttachmentSummary: Sendable, Encodable {
    public let id: Int64
    public let fileName: String
    public let contentType: String
    public let size: Int
    public let sha256: String
    public let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, size, sha256
        case fileName = "file_name"
        case contentType = "content_type"
        case createdAt = "created_at"
    }
}

/// One step of a request's history: a status reached, or a reply from OCSO with its files.
public struct RequestEventView: Sendable, Encodable {
    public enum Kind: String, Sendable, Encodable {
        case status
        case reply
    }

    public let id: Int64
    public let kind: Kind
    public let status: RequestStatus?
    public let body: String?
    public let authorName: String
    public let authorKind: AccountKind
    public let createdAt: Date
    public let attachments: [AttachmentSummary]

    enum CodingKeys: String, CodingKey {
        case id, kind, status, body, attachments
        case statusLabel = "status_label"
        case authorName = "author_name"
        case authorKind = "author_kind"
        case createdAt = "created_at"
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encodeIfPresent(status, forKey: .status)
        try container.encodeIfPresent(status?.label, forKey: .statusLabel)
        try container.encodeIfPresent(body, forKey: .body)
        try container.encode(authorName, forKey: .authorName)
        try container.encode(authorKind, forKey: .authorKind)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(attachments, forKey: .attachments)
    }
}

/// A category as offered on the Démarches page.
public struct RequestCategoryView: Sendable, Encodable {
    public let category: RequestCategory

    public init(_ category: RequestCategory) { self.category = category }

    enum CodingKeys: String, CodingKey {
        case code, label, group, team
        case groupLabel = "group_label"
        case teamLabel = "team_label"
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(category.rawValue, forKey: .code)
        try container.encode(category.label, forKey: .label)
        try container.encode(category.group, forKey: .group)
        try container.encode(category.group.label, forKey: .groupLabel)
        try container.encode(category.team, forKey: .team)
        try container.encode(category.team.label, forKey: .teamLabel)
    }
}
