/// The identity fields of a user (sign-up form of guide ch. 01, delegated user creation).
public struct Identity: Sendable, Equatable {
    public var lastName: String
    public var firstName: String
    public var landlinePhone: String?
    public var mobilePhone: String?
    public var jobTitle: String?
    public var email: String

    public init(lastName: String, firstName: String, landlinePhone: String?, mobilePhone: String?, jobTitle: String?, email: String) {
        self.lastName = lastName
        self.firstName = firstName
        self.landlinePhone = landlinePhone
        self.mobilePhone = mobilePhone
        self.jobTitle = jobTitle
        self.email = email
    }

    public var displayName: String { "\(firstName) \(lastName)" }
}
