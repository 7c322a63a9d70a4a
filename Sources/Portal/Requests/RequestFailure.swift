/// Why an action on a request was refused.
public enum RequestFailure: Error, Equatable, Sendable {
    /// No such request, or not one the caller may see (another structure, another team): 404.
    case notFound
    /// The status can only move received → in_progress → done.
    case invalidTransition(from: RequestStatus, to: RequestStatus)
    /// A request marked done takes no more replies.
    case closed
    /// A team filter outside the caller's teams.
    case otherTeam(OCSOTeam)
    /// A row the database accepted but this code does not know (a newer schema): 500.
    case corruptRow
}
