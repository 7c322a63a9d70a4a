/// A page of a list: 1-based number and size, bounded so no request can ask for everything.
public struct Page: Sendable, Equatable {
    public static let maximumSize = 100
    public let number: Int
    public let size: Int

    public init(number: Int = 1, size: Int = 20) {
        self.number = max(1, number)
        self.size = min(max(1, size), Self.maximumSize)
    }

    public var offset: Int { (number - 1) * size }
}

/// Items of one page with the total count, for "page N of M" and stable navigation.
public struct Paged<Item: Sendable>: Sendable {
    public let items: [Item]
    public let page: Page
    public let total: Int

    public init(items: [Item], page: Page, total: Int) {
        self.items = items
        self.page = page
        self.total = total
    }
}

extension Paged: Encodable where Item: Encodable {
    enum CodingKeys: String, CodingKey {
        case items, page, total
        case pageSize = "page_size"
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(page.number, forKey: .page)
        try container.encode(page.size, forKey: .pageSize)
        try container.encode(total, forKey: .total)
    }
}
