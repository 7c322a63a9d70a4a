/// What handling a request learns that its log line reports: who asked, about which structure.
/// The guards fill it in as they resolve them. One per request, used on the worker's thread only.
public final class RequestObservation {
    public internal(set) var userID: Int64?
    public internal(set) var structureID: Int64?

    public init() {}
}
